import { existsSync } from 'node:fs';
import { Redis } from 'ioredis';

export interface PubsubCheck {
  channelsChecked: number;
  /** How many subscriber connections each checked channel has; one process should mean exactly 1. */
  minSubscribers: number;
  maxSubscribers: number;
  expected: number;
  ok: boolean;
}

/** PUBSUB NUMSUB over (a sample of) the channels a system should hold once per process. */
export async function checkOneSubscribePerChannel(redis: Redis, channels: string[], expected: number, sample = 200): Promise<PubsubCheck> {
  const unique = [...new Set(channels)];
  const step = Math.max(1, Math.floor(unique.length / sample));
  const picked = unique.filter((_, i) => i % step === 0).slice(0, sample);
  const reply = (await redis.call('PUBSUB', 'NUMSUB', ...picked)) as Array<string | number>;
  const counts: number[] = [];
  for (let i = 1; i < reply.length; i += 2) counts.push(Number(reply[i]));
  const minSubscribers = Math.min(...counts);
  const maxSubscribers = Math.max(...counts);
  return { channelsChecked: picked.length, minSubscribers, maxSubscribers, expected, ok: minSubscribers === expected && maxSubscribers === expected };
}

/** Removes every key whose name starts with `prefix` (channels vanish with their subscribers). */
export async function deleteKeysWithPrefix(redis: Redis, prefix: string): Promise<number> {
  let cursor = '0';
  let deleted = 0;
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) deleted += await redis.unlink(...keys);
  } while (cursor !== '0');
  return deleted;
}

/**
 * The process id of the Redis the run talks to, so that its CPU can be read from /proc like the
 * servers': undefined when Redis does not say or the process is not visible from here (Redis in
 * another container or namespace), and the steps then go without that figure.
 */
export async function localRedisPid(redis: Redis): Promise<number | undefined> {
  const info = await redis.info('server').catch(() => '');
  const pid = Number(/^process_id:(\d+)/m.exec(info)?.[1]);
  return Number.isInteger(pid) && pid > 0 && existsSync(`/proc/${pid}/stat`) ? pid : undefined;
}
