import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ok, startGateway, tokenFor, type TestGateway } from '../support/gateway.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
// GraphiQL's page loads its bundle from a CDN this machine cannot reach: serve the same package locally.
const graphiqlDist = join(dirname(createRequire(import.meta.url).resolve('@graphql-yoga/graphiql/package.json')), 'dist');

let gateway: TestGateway;
let browser: Browser;
beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium is needed at ${CHROMIUM} (apt-get install chromium), or set CHROMIUM_PATH.`);
  gateway = await startGateway();
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
});
afterAll(async () => {
  await browser?.close();
  await gateway?.stop();
});

describe('GraphiQL in a browser', () => {
  it('runs a subscription over WebSocket as the user in the Headers tab, and shows delivered messages', async () => {
    const [alice, bob] = await Promise.all([tokenFor('alice', 'Alice'), tokenFor('bob', 'Bob')]);
    const { createGroup } = await ok(gateway, 'mutation { createGroup(name: "GraphiQL") { id } }', {}, alice);
    await ok(gateway, 'mutation($g: ID!) { joinGroup(groupId: $g) { id } }', { g: createGroup.id }, bob);

    const page = await browser.newPage();
    await page.route(/^https:\/\/unpkg\.com\/@graphql-yoga\/graphiql@[^/]+\/dist\/(.+)$/, (route) => {
      const file = /\/dist\/(.+)$/.exec(new URL(route.request().url()).pathname)![1]!;
      const type = file.endsWith('.css') ? 'text/css' : 'application/javascript';
      return route.fulfill({ body: readFileSync(join(graphiqlDist, file)), contentType: type });
    });
    const socketFrames: string[] = [];
    page.on('websocket', (socket) => socket.on('framesent', (frame) => socketFrames.push(String(frame.payload))));

    const subscription = `subscription { newMessage(groupId: "${createGroup.id}") { content sender { name } } }`;
    await page.goto(`${gateway.url}?query=${encodeURIComponent(subscription)}`);
    await page.getByText('Headers', { exact: true }).click();
    // Typed as a person would; the editor closes brackets and quotes itself, so drop what it added.
    await page.locator('.graphiql-editor-tool .monaco-editor').last().click();
    await page.keyboard.press('ControlOrMeta+a');
    await page.keyboard.insertText(JSON.stringify({ Authorization: `Bearer ${bob}` }));
    await page.keyboard.press('Shift+ControlOrMeta+End');
    await page.keyboard.press('Delete');
    // GraphiQL stores its tabs (the headers with them) after a pause in typing.
    await page.waitForTimeout(700);
    await page.locator('.graphiql-execute-button').click();

    await expect.poll(() => socketFrames.some((frame) => frame.includes('connection_init') && frame.includes(bob)), { timeout: 10_000 }).toBe(true);
    await expect
      .poll(async () => (await fetch(gateway.url.replace('/graphql', '/stats')).then((r) => r.json())).subscriptions, { timeout: 10_000 })
      .toBe(1);
    await ok(gateway, 'mutation($g: ID!) { sendMessage(input: { groupId: $g, content: "hello from Alice" }) { message { id } } }', { g: createGroup.id }, alice);
    // The response pane is an editor too: it renders spaces as no-break spaces.
    const response = async () => (await page.locator('.graphiql-response').innerText()).replace(/\s+/g, ' ');
    await expect.poll(response, { timeout: 10_000 }).toContain('"content": "hello from Alice"');
    expect(await response()).toContain('"name": "Alice"');
    await page.close();
  });
});
