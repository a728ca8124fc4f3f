import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, expect, it } from 'vitest';
import type { ChatMessage } from '../../src/model.js';
import { PERSIST_MESSAGE_FIELD, persistenceKeys } from '../../src/persistence/redis-persistence-keys.js';
import { startGateway } from '../support/gateway.js';
import {
  cleanup,
  createSender,
  durabilityEnv,
  expectStoredEqualsAcked,
  runScript,
  SHARED_REDIS_URL,
  sleep,
  startChatService,
} from './durability-harness.js';

afterAll(cleanup);

it('sets a message the Chat service refuses aside as a dead letter, lets the rest flow, and replays it', async () => {
  const chat = await startChatService();
  const { prefix, env } = durabilityEnv(chat);
  const gateway = await startGateway({ ...env, PERSISTENCE_MAX_ATTEMPTS: '3' });
  const redis = new Redis(SHARED_REDIS_URL);
  try {
    const keys = persistenceKeys(prefix);
    const sender = await createSender(() => gateway.url);
    await sender.burst(5);
    // A message for a group the Chat service does not know: NOT_FOUND on every delivery.
    const missingGroup = `lost-${randomUUID()}`;
    const poison: ChatMessage = {
      id: randomUUID(),
      groupId: missingGroup,
      seq: 1,
      sender: { id: 'alice' },
      msgType: 'TEXT',
      content: 'for a group that is not there (yet)',
      imageUrl: null,
      clientMessageId: null,
      createdAt: Date.now(),
    };
    await redis.xadd(keys.stream, '*', PERSIST_MESSAGE_FIELD, JSON.stringify(poison));
    await sender.burst(5);

    await expectStoredEqualsAcked(chat, sender);
    for (let tries = 0; (await redis.xlen(keys.deadLetters)) < 1; tries++) {
      if (tries > 200) throw new Error('the refused message never became a dead letter');
      await sleep(50);
    }
    expect(await gateway.services.queue.stats()).toMatchObject({ deadLetters: 1, pending: 0 });

    const listed = await runScript('scripts/dead-letters.ts', env, ['list']);
    expect(listed.code).toBe(0);
    const [line, ...others] = listed.output.split('\n').filter((row) => row.includes('\t'));
    expect(others).toEqual([]);
    const [deadId, messageId, groupId, attempts, error] = line!.split('\t');
    expect({ messageId, groupId, attempts }).toEqual({ messageId: poison.id, groupId: missingGroup, attempts: '3' });
    expect(error).toMatch(/does not exist/);

    // The operator repairs what made it fail, then replays it.
    await chat.sql('INSERT INTO groups (id, name, created_by, created_at_ms) VALUES ($1, $2, $3, $4)', [
      missingGroup,
      'Restored',
      'alice',
      Date.now(),
    ]);
    const replayed = await runScript('scripts/dead-letters.ts', env, ['replay', deadId!]);
    expect(replayed.code).toBe(0);
    expect(replayed.output).toContain(deadId);
    for (let tries = 0; (await chat.stored(missingGroup)).length === 0; tries++) {
      if (tries > 200) throw new Error('the replayed message was not stored');
      await sleep(50);
    }
    expect(await chat.stored(missingGroup)).toEqual([{ id: poison.id, content: poison.content }]);
    expect(await redis.xlen(keys.deadLetters)).toBe(0);
    await expectStoredEqualsAcked(chat, sender);
  } finally {
    redis.disconnect();
    await gateway.stop();
  }
}, 50_000);
