import { afterAll, expect, it } from 'vitest';
import { startGateway } from '../support/gateway.js';
import {
  cleanup,
  createSender,
  durabilityEnv,
  expectStoredEqualsAcked,
  sleep,
  spawnRedis,
  startChatService,
} from './durability-harness.js';

afterAll(cleanup);

it('keeps every message acked before Redis was killed, and acks none while it is down', async () => {
  const redis = await spawnRedis();
  const chat = await startChatService();
  const gateway = await startGateway(durabilityEnv(chat, redis.url).env);
  try {
    const sender = await createSender(() => gateway.url);
    // Slow answers keep a backlog in Redis at the moment it dies.
    chat.answerDelayMs = 50;
    const sends: Array<{ started: number; ended: number; id?: string; code?: string }> = [];
    let sending = true;
    const traffic = (async () => {
      while (sending) {
        const started = Date.now();
        const result = await sender.send();
        sends.push({ started, ended: Date.now(), ...result });
      }
    })();

    await sleep(1000);
    const killedAt = Date.now();
    await redis.kill();
    await sleep(1500);
    const restartedAt = Date.now();
    await redis.start();
    await sleep(2500);
    sending = false;
    await traffic;
    chat.answerDelayMs = 0;

    const beforeKill = sends.filter((send) => send.ended < killedAt);
    const duringOutage = sends.filter((send) => send.started > killedAt && send.ended < restartedAt);
    const afterRestart = sends.filter((send) => send.started > restartedAt);
    expect(beforeKill.filter((send) => send.id).length).toBeGreaterThan(10);
    expect(duringOutage.length).toBeGreaterThan(0);
    expect(duringOutage.filter((send) => send.id)).toEqual([]);
    expect(new Set(duringOutage.map((send) => send.code))).toEqual(new Set(['UNAVAILABLE']));
    expect(afterRestart.filter((send) => send.id).length).toBeGreaterThan(0);

    // One send at a time: at most the one under way when Redis died is stored without its ack.
    await expectStoredEqualsAcked(chat, sender, 20_000, { inFlightAtCrash: 1 });
  } finally {
    await gateway.stop();
  }
}, 50_000);
