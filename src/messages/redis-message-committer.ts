import type { RedisEventBus } from '../realtime/redis-event-bus.js';
import type { GroupMessageEvent, Topics } from '../realtime/topics.js';
import type { AppendMessage } from './redis-append-script.js';
import type { MessageCommitter } from './message-committer.js';

export interface RedisMessageCommitterOptions {
  /** The append script, from `createAppendScript`, on a connection that fails fast while Redis is down. */
  append: AppendMessage;
  topics: Topics;
  /**
   * Where a new message goes to this instance's own subscribers as soon as it is committed, ahead
   * of the copy the script published (see `RedisEventBus.deliverAhead`).
   */
  bus?: Pick<RedisEventBus, 'deliverAhead'>;
}

/**
 * The commit across instances: position, recent log, persistence stream and publication happen in
 * one script, so an acked message is always both stored for the persistence worker and published,
 * in seq order. While Redis is unreachable the commit fails at once and nothing is acked. A send
 * that repeats its sender's clientMessageId in the group within the retry window, on any instance,
 * answers the message already sent and writes nothing.
 */
export function createRedisMessageCommitter(options: RedisMessageCommitterOptions): MessageCommitter {
  const { append, topics, bus } = options;
  return {
    async commit(draft) {
      const channel = topics.group(draft.groupId);
      const message = await append(draft, { persist: true, channel, once: true });
      // A repeat was delivered when it was first sent.
      if (bus && message.id === draft.id) bus.deliverAhead(channel, { kind: 'message', message } satisfies GroupMessageEvent, message.seq);
      return message;
    },
  };
}
