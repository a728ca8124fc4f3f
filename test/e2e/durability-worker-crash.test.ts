import { Redis } from 'ioredis';
import { afterAll, expect, it } from 'vitest';
import { persistenceKeys } from '../../src/persistence/redis-persistence-keys.js';
import { startGateway, type TestGateway } from '../support/gateway.js';
import {
  cleanup,
  createSender,
  durabilityEnv,
  expectStoredEqualsAcked,
  SHARED_REDIS_URL,
  sleep,
  spawnScript,
  startChatService,
} from './durability-harness.js';

afterAll(cleanup);

it('loses and duplicates nothing when a worker is killed between storing messages and acknowledging them', async () => {
  const chat = await startChatService();
  const { prefix, env } = durabilityEnv(chat);
  // The gateway only queues; the workers are separate processes.
  const gateway: TestGateway = await startGateway({ ...env, PERSISTENCE_WORKER: 'false' });
  try {
    const sender = await createSender(() => gateway.url);
    await sender.burst(20);
    expect(sender.acked.size).toBe(20);

    // Each save is stored, then answered only after 10 s: the worker is killed in between.
    chat.answerDelayMs = 10_000;
    const doomed = spawnScript('scripts/worker.ts', { ...env, PERSISTENCE_CLAIM_IDLE_MS: '1000' });
    const keys = persistenceKeys(prefix);
    const redis = new Redis(SHARED_REDIS_URL);
    try {
      for (let tries = 0; (await chat.stored(sender.groupId)).length < 20; tries++) {
        if (tries > 200) throw new Error(`the worker stored nothing: ${doomed.output()}`);
        await sleep(50);
      }
      // Everything stored, nothing acknowledged.
      expect(Number(((await redis.call('XPENDING', keys.stream, keys.group)) as [number])[0])).toBe(20);
      await doomed.kill('SIGKILL');
      chat.answerDelayMs = 0;
      const savesBefore = chat.saves;

      const survivor = spawnScript('scripts/worker.ts', { ...env, PERSISTENCE_CLAIM_IDLE_MS: '1000' });
      await sender.burst(10);
      await expectStoredEqualsAcked(chat, sender);
      // The survivor took over the dead worker's 20 (saved again, idempotently) and stored the 10 new ones.
      for (let tries = 0; Number(((await redis.call('XPENDING', keys.stream, keys.group)) as [number])[0]) > 0; tries++) {
        if (tries > 200) throw new Error(`entries stay pending: ${survivor.output()}`);
        await sleep(50);
      }
      expect(chat.saves - savesBefore).toBeGreaterThanOrEqual(30);
      expect(await redis.xlen(keys.deadLetters)).toBe(0);
      await survivor.kill('SIGTERM');
      expect(await survivor.exited).toBe(0);
    } finally {
      redis.disconnect();
    }
  } finally {
    await gateway.stop();
  }
}, 50_000);
