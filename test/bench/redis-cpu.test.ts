import { readFileSync } from 'node:fs';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cpuMicros } from '../../bench/process/proc-stats.js';
import { localRedisPid } from '../../bench/scenarios/redis-checks.js';
import { startRedisServer, type RedisServer } from '../support/redis-server.js';

describe("the benchmark's reading of Redis's CPU", () => {
  let server: RedisServer;
  let redis: Redis;

  beforeAll(async () => {
    server = await startRedisServer();
    redis = new Redis(server.url);
  });

  afterAll(async () => {
    redis?.disconnect();
    await server?.stop();
  });

  it("finds the process of the Redis it talks to, and that process's CPU grows with the commands it runs", async () => {
    const pid = await localRedisPid(redis);
    expect(pid).toBeDefined();
    const commandLine = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
    expect(commandLine).toContain('redis-server');
    expect(commandLine).toContain(String(server.port));

    const before = cpuMicros(pid!);
    const key = 'cpu-probe';
    for (let round = 0; round < 20; round++) {
      const pipeline = redis.pipeline();
      for (let i = 0; i < 5000; i++) pipeline.zadd(key, i, `member-${round}-${i}`);
      await pipeline.exec();
    }
    await redis.del(key);
    // 100,000 sorted-set inserts take Redis well over the 10 ms a tick of /proc counts.
    expect(cpuMicros(pid!) - before).toBeGreaterThanOrEqual(20_000);
  });

  it('answers nothing when the process Redis names is not on this machine, so no step reads a stranger', async () => {
    const elsewhere = { info: async () => '# Server\r\nredis_version:7.0.15\r\nprocess_id:2147483646\r\n' } as unknown as Redis;
    expect(await localRedisPid(elsewhere)).toBeUndefined();
    const silent = { info: async () => { throw new Error('NOPERM'); } } as unknown as Redis;
    expect(await localRedisPid(silent)).toBeUndefined();
  });
});
