import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, connect, eventually, ok, startGateway, tokenFor, type TestGateway } from '../support/gateway.js';

let gateway: TestGateway;
let base: string;
beforeAll(async () => {
  gateway = await startGateway();
  base = gateway.url.replace('/graphql', '');
});
afterAll(() => gateway.stop());

describe('operational endpoints', () => {
  it('/health answers while the process is alive', async () => {
    const response = await fetch(`${base}/health`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
  });

  it('/ready checks the Chat service and reports the queue', async () => {
    const response = await fetch(`${base}/ready`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ status: 'ready', checks: { chat: true }, queue: { depth: 0, deadLetters: 0 } });
  });

  it('/metrics speaks Prometheus', async () => {
    const response = await fetch(`${base}/metrics`);
    expect(response.headers.get('content-type')).toContain('text/plain');
    const text = await response.text();
    expect(text).toContain('campushub_ws_sockets');
    expect(text).toContain('campushub_send_message_ack_seconds');
    // Node's own, without the ones that list every socket's handle on each scrape.
    expect(Number(/^campushub_process_open_fds (\d+)$/m.exec(text)?.[1])).toBeGreaterThan(0);
    expect(text).toContain('campushub_nodejs_eventloop_lag_max_seconds');
    expect(text).not.toContain('campushub_nodejs_active_handles');
  });

  it('/metrics counts deliveries by subscription field', async () => {
    const deliveries = async () => {
      const text = await (await fetch(`${base}/metrics`)).text();
      return Number(/^campushub_deliveries_total\{field="newMessage"\} (\d+)$/m.exec(text)?.[1] ?? 0);
    };
    const token = await tokenFor('counted', 'Counted');
    const { createGroup } = await ok(gateway, 'mutation { createGroup(name: "Counted") { id } }', {}, token);
    const socket = connect(gateway, bearer(token));
    try {
      const subscription = socket.subscribe('subscription($g: ID!) { newMessage(groupId: $g) { id } }', { g: createGroup.id });
      await eventually(async () => expect((await (await fetch(`${base}/stats`)).json()).subscriptions).toBe(1));
      const before = await deliveries();
      for (const content of ['one', 'two']) {
        await ok(gateway, 'mutation($g: ID!, $c: String) { sendMessage(input: { groupId: $g, content: $c }) { message { id } } }', { g: createGroup.id, c: content }, token);
      }
      await subscription.waitFor(2);
      expect(await deliveries()).toBe(before + 2);
      expect(await deliveries()).toBe(before + 2);
    } finally {
      await socket.dispose();
    }
  });

  it('/metrics counts the frames sent and the writes that carried them', async () => {
    const sent = async () => {
      const text = await (await fetch(`${base}/metrics`)).text();
      const total = (name: string) => Number(new RegExp(`^${name} (\\d+)$`, 'm').exec(text)?.[1]);
      return { frames: total('campushub_ws_frames_total'), writes: total('campushub_ws_writes_total') };
    };
    const token = await tokenFor('framed', 'Framed');
    const { createGroup } = await ok(gateway, 'mutation { createGroup(name: "Framed") { id } }', {}, token);
    const before = await sent();
    const socket = connect(gateway, bearer(token));
    try {
      const subscription = socket.subscribe('subscription($g: ID!) { newMessage(groupId: $g) { id } }', { g: createGroup.id });
      await eventually(async () => expect((await (await fetch(`${base}/stats`)).json()).subscriptions).toBe(1));
      for (const content of ['one', 'two', 'three']) {
        await ok(gateway, 'mutation($g: ID!, $c: String) { sendMessage(input: { groupId: $g, content: $c }) { message { id } } }', { g: createGroup.id, c: content }, token);
      }
      await subscription.waitFor(3);
      const after = await sent();
      // The connection's ack and three events, at least; each write carried one frame or more.
      expect(after.frames - before.frames).toBeGreaterThanOrEqual(4);
      expect(after.writes - before.writes).toBeGreaterThanOrEqual(1);
      expect(after.writes - before.writes).toBeLessThanOrEqual(after.frames - before.frames);
    } finally {
      await socket.dispose();
    }
  });

  it('serves GraphiQL to a browser', async () => {
    const response = await fetch(gateway.url, { headers: { accept: 'text/html' } });
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('CampusHub Realtime');
  });

  it('masks unexpected errors and never leaks internals', async () => {
    const response = await fetch(gateway.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"query": ',
    });
    expect(response.status).toBe(400);
    const body = await response.text();
    expect(body).not.toMatch(/at .*\.ts:\d+/);
  });

  it('refuses WebSocket upgrades on other paths', async () => {
    const { default: WebSocket } = await import('ws');
    const socket = new WebSocket(`${gateway.wsUrl.replace('/graphql', '/elsewhere')}`, 'graphql-transport-ws');
    const status = await new Promise((resolve) => socket.on('unexpected-response', (_req, res) => resolve(res.statusCode)).on('error', () => resolve('error')));
    expect(status).toBe(404);
  });
});
