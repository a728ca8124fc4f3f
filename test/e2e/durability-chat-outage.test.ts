import { afterAll, expect, it } from 'vitest';
import { eventually, startGateway } from '../support/gateway.js';
import {
  cleanup,
  createSender,
  durabilityEnv,
  expectStoredEqualsAcked,
  sleep,
  startChatService,
} from './durability-harness.js';

afterAll(cleanup);

it('stores every acked message after the Chat service was down for seconds, without dead letters', async () => {
  const chat = await startChatService();
  const gateway = await startGateway({
    ...durabilityEnv(chat).env,
    PERSISTENCE_MAX_ATTEMPTS: '3',
    // Every send asks the Chat service about membership, so sends during the outage are refused.
    MEMBERSHIP_CACHE_MS: '0',
  });
  try {
    const origin = new URL(gateway.url).origin;
    const sender = await createSender(() => gateway.url);
    // Slow answers build a backlog, so the outage meets messages still on their way.
    chat.answerDelayMs = 200;
    await sender.burst(60);
    expect(sender.acked.size).toBe(60);
    await chat.stop();
    const backlog = await gateway.services.queue.stats();
    expect(backlog.depth).toBeGreaterThan(0);

    // Sending needs the Chat service (membership): refused, never acked, while it is down.
    for (let i = 0; i < 5; i++) expect((await sender.send()).code).toBe('UNAVAILABLE');
    const ready = await fetch(`${origin}/ready`);
    expect(ready.status).toBe(503);
    expect((await ready.json()).queue).toMatchObject({ depth: expect.any(Number), pending: expect.any(Number), deadLetters: 0 });
    // Longer than three deliveries' backoff: an outage must not turn messages into dead letters.
    await sleep(3000);
    // Stored or not, nothing the outage cut off has been acknowledged.
    expect((await gateway.services.queue.stats()).depth).toBeGreaterThan(0);

    chat.answerDelayMs = 0;
    await chat.start();
    for (let tries = 0; sender.acked.size < 80 && tries < 200; tries++) await sender.send();
    expect(sender.acked.size).toBe(80);
    await expectStoredEqualsAcked(chat, sender);
    // A message is acknowledged to the queue just after it is stored: the queue empties right behind.
    await eventually(async () => expect(await gateway.services.queue.stats()).toMatchObject({ depth: 0, pending: 0, deadLetters: 0 }));
    const metrics = await (await fetch(`${origin}/metrics`)).text();
    expect(metrics).toMatch(/^campushub_persistence_queue_depth 0$/m);
    expect(metrics).toMatch(/^campushub_message_save_retries_total [1-9]/m);
  } finally {
    await gateway.stop();
  }
}, 50_000);
