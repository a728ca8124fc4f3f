import type { Writable } from 'node:stream';
import type { Redis } from 'ioredis';

/**
 * Makes the commands issued on `redis` for the rest of this turn of the event loop leave in one
 * write: the first call of a turn corks the connection's socket, which is uncorked once the turn's
 * I/O callbacks have run (`setImmediate`). Call it just before issuing a command. A busy server
 * then writes one request for many callers, and Redis reads it once and answers in one write.
 * Every module that asks for the cork of a connection gets the same one, so a connection shared by
 * several is corked and uncorked once per turn. Does nothing while the connection is not ready:
 * ioredis queues or refuses commands then, without touching the socket.
 */
export function createTurnCork(redis: Redis): () => void {
  let cork = corks.get(redis);
  if (!cork) corks.set(redis, (cork = turnCork(redis)));
  return cork;
}

const corks = new WeakMap<Redis, () => void>();

function turnCork(redis: Redis): () => void {
  let corked: Writable | undefined;
  const uncork = () => {
    const stream = corked!;
    corked = undefined;
    stream.uncork();
  };
  return () => {
    if (corked || redis.status !== 'ready') return;
    // ioredis writes each command to this socket at once when the connection is ready.
    const stream = (redis as unknown as { stream?: Writable }).stream;
    if (!stream?.writable) return;
    stream.cork();
    corked = stream;
    setImmediate(uncork);
  };
}
