import type { ChainableCommander, Redis } from 'ioredis';

/** Called back with a command's own answer once its pipeline has been answered. */
export type PipelineCallback<T> = (error?: Error | null, result?: T) => void;

/**
 * Queues a command on the pipeline of the current turn of the event loop; answers its result.
 * `queue` adds exactly one command to the pipeline, passing `callback` as its last argument.
 */
export type TurnPipeline = <T>(queue: (pipeline: ChainableCommander, callback: PipelineCallback<T>) => void) => Promise<T>;

/**
 * Commands issued during one turn of the event loop leave in one write: the first opens a pipeline
 * that is sent once the turn's I/O callbacks have run (`setImmediate`), so a busy server writes
 * one request for many callers and Redis reads it once. Each command still succeeds or fails on
 * its own; a connection that refuses commands (offline) fails each of them at once.
 */
export function createTurnPipeline(redis: Redis): TurnPipeline {
  let pipeline: ChainableCommander | undefined;
  const flush = () => {
    const sending = pipeline!;
    pipeline = undefined;
    // Each command's own callback reports its failure; the pipeline's answer adds nothing.
    sending.exec().catch(() => {});
  };
  return (queue) =>
    new Promise((resolve, reject) => {
      if (!pipeline) {
        pipeline = redis.pipeline();
        setImmediate(flush);
      }
      queue(pipeline, (error, result) => (error ? reject(error) : resolve(result!)));
    });
}
