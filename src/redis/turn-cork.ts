import type { Writable } from 'node:stream';
import type { Redis } from 'ioredis';

export interface TurnCorkOptions {
  /**
   * While the connection is busy, its writes leave at most this often (ms): a turn that issues
   * commands less than this after the last write holds them, and those of the turns after it,
   * until then. 0 sends every turn's commands at the end of that turn. Default 1.
   */
  minWriteIntervalMs?: number;
}

/** Long enough to gather the sends of a few turns under load, far below anything a client notices. */
const DEFAULT_MIN_WRITE_INTERVAL_MS = 1;

/**
 * Makes the commands issued on `redis` leave together: the first call of a turn of the event loop
 * corks the connection's socket, which is uncorked once the turn's I/O callbacks have run
 * (`setImmediate`), or, when the connection wrote less than `minWriteIntervalMs` ago, once that
 * much time has passed since (a timer), taking the commands of the turns between along. Call it
 * just before issuing a command. A busy server then writes one request for many callers, and
 * Redis, woken once, reads it once and answers in one write: on a shared host waking the other
 * process costs more than the command. A quiet connection's commands still leave at the end of
 * their turn. Every module that asks for the cork of a connection gets the same one, made with the
 * options of the first to ask, so a connection shared by several is corked and uncorked once per
 * write. Does nothing while the connection is not ready: ioredis queues or refuses commands then,
 * without touching the socket.
 */
export function createTurnCork(redis: Redis, options: TurnCorkOptions = {}): () => void {
  let cork = corks.get(redis);
  if (!cork) corks.set(redis, (cork = turnCork(redis, options.minWriteIntervalMs ?? DEFAULT_MIN_WRITE_INTERVAL_MS)));
  return cork;
}

const corks = new WeakMap<Redis, () => void>();

function turnCork(redis: Redis, minWriteIntervalMs: number): () => void {
  let corked: Writable | undefined;
  let lastWriteAt = Number.NEGATIVE_INFINITY;
  const uncork = () => {
    const stream = corked!;
    corked = undefined;
    lastWriteAt = performance.now();
    stream.uncork();
  };
  return () => {
    if (corked || redis.status !== 'ready') return;
    // ioredis writes each command to this socket at once when the connection is ready.
    const stream = (redis as unknown as { stream?: Writable }).stream;
    if (!stream?.writable) return;
    stream.cork();
    corked = stream;
    const sinceLastWrite = performance.now() - lastWriteAt;
    if (sinceLastWrite >= minWriteIntervalMs) setImmediate(uncork);
    else setTimeout(uncork, minWriteIntervalMs - sinceLastWrite);
  };
}
