import { randomUUID } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import { encodeCommand } from '../../src/redis/encoded-command.js';
import { createLuaScript } from '../../src/redis/lua-script.js';
import { countWrites, redisForTests } from './test-redis.js';

const { connect, key: remember } = redisForTests();

const newKey = () => remember(`test-lua-script-${randomUUID()}`);

/** A script no other test has sent, so that Redis does not have it yet. */
const freshScript = (body: string) => `-- ${randomUUID()}\n${body}`;

describe('encodeCommand', () => {
  it('encodes each argument as a bulk string of its UTF-8 bytes', () => {
    expect(encodeCommand(['SET', 'k', '']).toString()).toBe('*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$0\r\n\r\n');
    const text = 'héllo 👋'.repeat(2);
    expect(encodeCommand(['ECHO', text]).toString()).toBe(`*2\r\n$4\r\nECHO\r\n$${Buffer.byteLength(text)}\r\n${text}\r\n`);
  });

  it('writes lengths of several digits', () => {
    const long = 'x'.repeat(12_345);
    expect(encodeCommand(Array.from({ length: 11 }, () => long)).toString()).toBe(`*11\r\n${`$12345\r\n${long}\r\n`.repeat(11)}`);
  });
});

describe('createLuaScript', () => {
  it('answers what the script returns, strings decoded, for keys and arguments of any text', async () => {
    const redis = await connect();
    const key = newKey();
    const script = createLuaScript(redis, freshScript("redis.call('SET', KEYS[1], ARGV[1]); return {redis.call('GET', KEYS[1]), #ARGV, 7}"));
    const text = 'unicode: 你好, emoji: 👋, empty next';
    expect(await script.run([key], [text, ''])).toEqual([text, 2, 7]);
    expect(await redis.get(key)).toBe(text);
  });

  it('sends the script itself once when Redis does not have it, and its SHA1 afterwards', async () => {
    const redis = await connect();
    const monitor = await connect();
    const seen: string[] = [];
    const monitoring = await monitor.monitor();
    monitoring.on('monitor', (_time: string, args: string[]) => {
      const name = args[0]?.toLowerCase();
      if ((name === 'evalsha' || name === 'eval') && args.includes('first') !== args.includes('second')) seen.push(name);
    });
    const lua = freshScript('return ARGV[1]');
    const script = createLuaScript(redis, lua);
    expect(await script.run([], ['first'])).toBe('first');
    expect(await script.run([], ['second'])).toBe('second');
    await vi.waitFor(() => expect(seen).toEqual(['evalsha', 'eval', 'evalsha']));
    monitoring.disconnect();
  });

  it('sends the runs of one turn in one write, each answered in order', async () => {
    const redis = await connect();
    const key = newKey();
    const script = createLuaScript(redis, "return redis.call('INCR', KEYS[1])");
    await script.run([key], []);
    const written = countWrites(redis);
    const answers = Array.from({ length: 50 }, () => script.run([key], []));
    expect(await Promise.all(answers)).toEqual(Array.from({ length: 50 }, (_, i) => i + 2));
    expect(written()).toBe(1);

    // A later turn: a write of its own.
    expect(await script.run([key], [])).toBe(52);
    expect(written()).toBe(2);
  });

  it('fails only the run that failed', async () => {
    const redis = await connect();
    const key = newKey();
    await redis.set(key, 'not a number');
    const script = createLuaScript(redis, "if ARGV[1] == 'incr' then return redis.call('INCR', KEYS[1]) end return ARGV[1]");
    const [before, failed, after] = await Promise.allSettled([
      script.run([key], ['before']),
      script.run([key], ['incr']),
      script.run([key], ['after']),
    ]);
    expect(before).toEqual({ status: 'fulfilled', value: 'before' });
    expect(failed).toMatchObject({ status: 'rejected', reason: { message: expect.stringMatching(/not an integer/) } });
    expect(after).toEqual({ status: 'fulfilled', value: 'after' });
  });

  it('fails every run at once on a connection that refuses commands while offline', async () => {
    const redis = await connect({ enableOfflineQueue: false });
    redis.disconnect();
    const script = createLuaScript(redis, 'return 1');
    const outcomes = await Promise.allSettled([1, 2].map(() => script.run([], [])));
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['rejected', 'rejected']);
  });
});
