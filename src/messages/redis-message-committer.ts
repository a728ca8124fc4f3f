import type { Topics } from '../realtime/topics.js';
import type { AppendMessage } from './redis-append-script.js';
import type { MessageCommitter } from './message-committer.js';

export interface RedisMessageCommitterOptions {
  /** The append script, from `createAppendScript`, on a connection that fails fast while Redis is down. */
  append: AppendMessage;
  topics: Topics;
}

/**
 * The commit across instances: position, recent log, persistence stream and publication happen in
 * one script, so an acked message is always both stored for the persistence worker and published,
 * in seq order. While Redis is unreachable the commit fails at once and nothing is acked. A send
 * that repeats its sender's clientMessageId in the group within the retry window, on any instance,
 * answers the message already sent and writes nothing.
 */
export function createRedisMessageCommitter(options: RedisMessageCommitterOptions): MessageCommitter {
  const { append, topics } = options;
  return {
    commit: (draft) => append(draft, { persist: true, channel: topics.group(draft.groupId), once: true }),
  };
}
