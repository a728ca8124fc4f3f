import { createClient } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { bearer, connect, eventually, ok, startGateway, tokenFor, type TestGateway } from '../support/gateway.js';

let gateway: TestGateway;
let sender: string;
let reader: string;
let groupId: string;

beforeAll(async () => {
  // A small bound, so that the kernel's socket buffers, not this bound, are most of what fills up.
  gateway = await startGateway({ WS_MAX_BUFFERED_BYTES: String(64 * 1024), MESSAGE_LOG_MAX_PER_GROUP: '20000' });
  sender = await tokenFor('sender');
  reader = await tokenFor('reader');
  ({ createGroup: { id: groupId } } = await ok(gateway, 'mutation { createGroup(name: "Busy") { id } }', {}, sender));
  await ok(gateway, 'mutation($g: ID!) { joinGroup(groupId: $g) { id } }', { g: groupId }, reader);
});
afterAll(() => gateway.stop());

const SUBSCRIPTION = 'subscription($g: ID!, $after: String) { newMessage(groupId: $g, after: $after) { content cursor } }';
const PADDING = 'x'.repeat(3900);
/** The number a message's content starts with: short enough to compare whole lists of. */
const indexOf = (content: string) => Number(content.slice(0, content.indexOf('|')));

async function slowSocketsClosed(): Promise<number> {
  return (await gateway.services.metrics.slowSockets.get()).values[0]?.value ?? 0;
}

describe('a subscriber that stops reading', () => {
  it('is closed with 4002 once its queue passes the bound, and resumes by cursor with nothing lost', async () => {
    let tcp: { pause(): void; resume(): void } | undefined;
    let closeCode: number | undefined;
    let closeReason = '';
    const client = createClient({
      url: gateway.wsUrl,
      webSocketImpl: WebSocket,
      connectionParams: bearer(reader),
      retryAttempts: 0,
      on: {
        opened: (socket) => (tcp = (socket as unknown as { _socket: typeof tcp })._socket),
        closed: (event) => {
          closeCode = (event as CloseEvent).code;
          closeReason = (event as CloseEvent).reason;
        },
      },
    });
    const received: Array<{ content: string; cursor: string }> = [];
    client.subscribe<{ newMessage: { content: string; cursor: string } }>(
      { query: SUBSCRIPTION, variables: { g: groupId } },
      { next: (event) => void received.push(event.data!.newMessage), error: () => {}, complete: () => {} },
    );
    await eventually(async () => {
      const stats = await fetch(gateway.url.replace('/graphql', '/stats')).then((response) => response.json());
      expect(stats.subscriptions).toBe(1);
    });

    // The client stops reading; messages keep coming until the server gives up on it.
    tcp!.pause();
    const sent: number[] = [];
    while ((await slowSocketsClosed()) === 0) {
      if (sent.length >= 20_000) throw new Error('the server never closed the socket that stopped reading');
      // One at a time, so positions follow the order of `sent`; the metric is read every 25.
      for (let i = 0; i < 25; i++) {
        const index = sent.length;
        await ok(gateway, 'mutation($g: ID!, $c: String) { sendMessage(input: { groupId: $g, content: $c }) { message { id } } }', { g: groupId, c: `${index}|${PADDING}` }, sender);
        sent.push(index);
      }
    }

    // Reading again, the client gets what was queued before the close, then the close itself.
    tcp!.resume();
    await eventually(() => expect(closeCode).toBe(4002), 10_000);
    expect(closeReason).toMatch(/behind/i);
    await client.dispose();
    expect(received.length).toBeGreaterThan(0);
    expect(received.length).toBeLessThan(sent.length);
    expect(received.map((message) => indexOf(message.content))).toEqual(sent.slice(0, received.length));

    // Resubscribing after the last cursor received brings exactly the rest.
    const socket = connect(gateway, bearer(reader));
    const resumed = socket.subscribe<{ newMessage: { content: string } }>(SUBSCRIPTION, { g: groupId, after: received.at(-1)!.cursor });
    const rest = await resumed.waitFor(sent.length - received.length, 15_000);
    expect(rest.map((event) => indexOf(event.data!.newMessage.content))).toEqual(sent.slice(received.length));
    await socket.dispose();
  }, 60_000);
});
