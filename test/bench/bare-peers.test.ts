import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { NEW_MESSAGE_SUBSCRIPTION, SEND_MESSAGE_MUTATION } from '../../bench/load/operations.js';
import { connect, type SocketClient } from '../support/gateway.js';
import { freePort } from '../support/ports.js';
import { killChildProcesses, spawnScript, type Child } from '../support/processes.js';
import { SHARED_REDIS_URL, deletePrefix, uniquePrefix } from '../support/redis.js';

interface NewMessage {
  newMessage: { groupId: string; content: string; clientMessageId: string | null; sender: { id: string } };
}

interface SendMessage {
  sendMessage: { clientMessageId: string; message: { id: string; cursor: string } };
}

/** The two peers that speak graphql-ws without GraphQL, each started as the benchmark starts it. */
const PEERS = [
  { name: 'floor', script: 'bench/peers/floor-server.ts' },
  { name: 'wire', script: 'bench/peers/wire-server.ts' },
];

describe.each(PEERS)('the $name peer', ({ name, script }) => {
  const prefix = uniquePrefix(`peer-${name}`);
  const clients: SocketClient[] = [];
  let server: Child | undefined;

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.dispose()));
    await server?.kill('SIGTERM');
  });
  afterAll(async () => {
    await killChildProcesses();
    await deletePrefix(SHARED_REDIS_URL, prefix);
  });

  const start = async () => {
    const port = await freePort();
    server = spawnScript(script, { PORT: String(port), REDIS_URL: SHARED_REDIS_URL, REDIS_PREFIX: prefix });
    for (let tries = 0; ; tries++) {
      try {
        if ((await fetch(`http://127.0.0.1:${port}/health`)).ok) break;
      } catch (error) {
        if (tries > 200 || server.process.exitCode !== null) throw new Error(`${name} did not start: ${server.output()}`, { cause: error });
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const open = () => {
      const client = connect({ wsUrl: `ws://127.0.0.1:${port}/graphql` }, {});
      clients.push(client);
      return client;
    };
    return open;
  };

  it("answers graphql-ws's own client: every subscriber of the group gets each message, in order, and no one else", async () => {
    const open = await start();
    const [first, second, elsewhere, sender] = [open(), open(), open(), open()];
    const subscriptions = [first, second].map((client) => client.subscribe<NewMessage>(NEW_MESSAGE_SUBSCRIPTION, { groupId: 'g1' }));
    const other = elsewhere.subscribe<NewMessage>(NEW_MESSAGE_SUBSCRIPTION, { groupId: 'g2' });
    const send = (content: string) => sender.subscribe<SendMessage>(SEND_MESSAGE_MUTATION, { input: { groupId: 'g1', content, clientMessageId: content } });
    // Nothing says when a subscription is in place (the floor's Redis channel, say): messages go
    // until every subscriber has had one, as the benchmark's warm-up does.
    for (let round = 0; subscriptions.some((subscription) => subscription.events.length === 0); round++) {
      if (round === 50) throw new Error(`the subscribers never got a message: ${server?.output()}`);
      await send(`warm-up ${round}`).done;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const warmUps = subscriptions.map((subscription) => subscription.events.length);

    // Sent together, so that a peer that writes a loop iteration's frames in one write does so.
    const sends = ['one', 'two', 'three'].map(send);
    const acks = await Promise.all(sends.map(async (send) => (await send.waitFor(1))[0]!.data!.sendMessage));
    expect(acks.map((ack) => ack.clientMessageId)).toEqual(['one', 'two', 'three']);
    expect(new Set(acks.map((ack) => ack.message.id)).size).toBe(3);
    await Promise.all(sends.map((send) => send.done));

    for (const [i, subscription] of subscriptions.entries()) {
      const events = (await subscription.waitFor(warmUps[i]! + 3)).slice(warmUps[i]);
      expect(events.map((event) => event.data!.newMessage.content)).toEqual(['one', 'two', 'three']);
      expect(events[0]!.data!.newMessage).toMatchObject({ groupId: 'g1', clientMessageId: 'one' });
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(other.events).toEqual([]);
  });
});
