import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, expect, it } from 'vitest';
import { createRedisPersistenceQueue } from '../../src/persistence/redis-persistence-queue.js';
import { persistenceKeys } from '../../src/persistence/redis-persistence-keys.js';
import {
  cleanup,
  createSender,
  durabilityEnv,
  expectStoredEqualsAcked,
  SHARED_REDIS_URL,
  spawnGateway,
  spawnScript,
  startChatService,
} from './durability-harness.js';

afterAll(cleanup);

it('stores every message a gateway acked right before it was killed, through another worker', async () => {
  const chat = await startChatService();
  const { prefix, env: shared } = durabilityEnv(chat);
  const env = { ...shared, PERSISTENCE_CLAIM_IDLE_MS: '1000' };
  // Slow answers keep the gateway's own worker behind, with messages read and not yet acknowledged.
  chat.answerDelayMs = 300;
  const gateway = await spawnGateway(env);
  const sender = await createSender(() => gateway.url);
  await sender.burst(100, 20);
  await gateway.child.kill('SIGKILL');
  expect(sender.acked.size).toBe(100);
  expect(sender.refusals).toEqual([]);

  const redis = new Redis(SHARED_REDIS_URL);
  try {
    const keys = persistenceKeys(prefix);
    // The crash left work behind (read and unacknowledged, or not read): else the test proves nothing.
    const queue = createRedisPersistenceQueue({ url: SHARED_REDIS_URL, prefix, logger: pino({ level: 'silent' }) });
    expect((await queue.stats()).depth).toBeGreaterThan(0);
    await queue.close();

    chat.answerDelayMs = 0;
    spawnScript('scripts/worker.ts', env);
    await expectStoredEqualsAcked(chat, sender);
    expect(await redis.xlen(keys.deadLetters)).toBe(0);
  } finally {
    redis.disconnect();
  }
}, 50_000);
