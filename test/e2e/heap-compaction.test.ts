import { afterAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { eventually, ok, sleep, tokenFor } from '../support/gateway.js';
import { killChildProcesses, spawnGateway } from '../support/processes.js';

afterAll(killChildProcesses);

const SOCKETS = 3000;

async function metric(url: string, name: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${name} `));
  return line ? Number(line.split(' ')[1]) : Number.NaN;
}

/** A graphql-ws socket subscribed to a group, counting its `next` frames; resolves once the subscription is live. */
function subscriber(wsUrl: string, token: string, groupId: string) {
  const socket = new WebSocket(wsUrl, 'graphql-transport-ws');
  const state = { socket, received: 0, closed: false };
  socket.on('close', () => (state.closed = true));
  const live = new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.on('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } })));
    socket.on('message', (data) => {
      const message = JSON.parse(String(data)) as { type: string };
      if (message.type === 'connection_ack') {
        const query = 'subscription($g: ID!) { newMessage(groupId: $g) { content } }';
        socket.send(JSON.stringify({ id: 'feed', type: 'subscribe', payload: { query, variables: { g: groupId } } }));
        // The subscription is live once the gateway answers a ping sent after it: frames are handled in order.
        socket.send(JSON.stringify({ type: 'ping' }));
      } else if (message.type === 'pong') resolve();
      else if (message.type === 'next') state.received++;
    });
  });
  return { state, live };
}

describe('quiet-time heap compaction in a running gateway', () => {
  it('compacts after a burst of connections once nothing is being delivered, and every socket keeps its subscription', async () => {
    const gateway = await spawnGateway({ HEAP_COMPACTION_MB: '16', LOG_LEVEL: 'info', MAX_CONNECTIONS: String(SOCKETS + 10) });
    const token = await tokenFor('burst-user', 'Burst');
    const graphqlEndpoint = { url: `${gateway.url}/graphql` };
    const created = await ok<{ createGroup: { id: string } }>(graphqlEndpoint, 'mutation { createGroup(name: "Burst") { id } }', {}, token);
    const groupId = created.createGroup.id;
    expect(await metric(gateway.url, 'campushub_heap_compactions_total')).toBe(0);

    // A trickle of messages to one socket of another group: the loop is nearly idle, but someone
    // is waiting for each of those frames, so no pause is taken.
    const wsUrl = `${gateway.url.replace('http', 'ws')}/graphql`;
    const trickleToken = await tokenFor('trickle-user', 'Trickle');
    const trickleGroup = await ok<{ createGroup: { id: string } }>(graphqlEndpoint, 'mutation { createGroup(name: "Trickle") { id } }', {}, trickleToken);
    const trickleReader = subscriber(wsUrl, trickleToken, trickleGroup.createGroup.id);
    await trickleReader.live;
    let trickling = true;
    const trickle = (async () => {
      while (trickling) {
        await ok(graphqlEndpoint, 'mutation($g: ID!) { sendMessage(input: { groupId: $g, content: "drip" }) { message { id } } }', { g: trickleGroup.createGroup.id }, trickleToken);
        await sleep(400);
      }
    })();

    const sockets = Array.from({ length: SOCKETS }, () => subscriber(wsUrl, token, groupId));
    try {
      await Promise.all(sockets.map((socket) => socket.live));
      await sleep(6_000);
      expect(await metric(gateway.url, 'campushub_heap_compactions_total')).toBe(0);
    } finally {
      trickling = false;
    }
    await trickle;
    expect(trickleReader.state.received).toBeGreaterThan(10);

    // Scraped as Prometheus would, now and then: a scrape every few milliseconds would itself keep the gateway busy.
    for (let waited = 0; (await metric(gateway.url, 'campushub_heap_compactions_total')) === 0 && waited < 15_000; waited += 1000) await sleep(1000);
    expect(await metric(gateway.url, 'campushub_heap_compactions_total')).toBe(1);
    const logged = gateway.child.output().split('\n').find((line) => line.includes('compacted the heap while quiet'));
    expect(logged).toBeDefined();
    const { committedMbBefore, committedMbAfter } = JSON.parse(logged!) as { committedMbBefore: number; committedMbAfter: number };
    expect(committedMbAfter).toBeLessThan(committedMbBefore);
    expect(await metric(gateway.url, 'campushub_heap_compaction_pause_seconds_count')).toBe(1);

    // Nothing a socket holds was lost: every one still gets the group's next message.
    await ok(graphqlEndpoint, 'mutation($g: ID!) { sendMessage(input: { groupId: $g, content: "after" }) { message { id } } }', { g: groupId }, token);
    await eventually(() => expect(sockets.filter((socket) => socket.state.received === 1)).toHaveLength(SOCKETS), 10_000);
    expect(sockets.filter((socket) => socket.state.closed)).toHaveLength(0);
    for (const socket of [...sockets, trickleReader]) socket.state.socket.terminate();
  }, 60_000);
});
