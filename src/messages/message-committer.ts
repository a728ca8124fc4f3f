import type { ChatMessage } from '../model.js';
import type { MessageDraft } from './message-log.js';

/**
 * The step that turns an accepted draft into a sent message: it gets its position in the group, is
 * handed to the persistence queue, kept for resuming subscribers, and published, in that order.
 * Resolving is the ack; rejecting means none of it may be relied on and the client must retry.
 *
 * With Redis all of it is one atomic script, so positions, the kept log and the order of
 * publication always agree, across any number of instances.
 */
export interface MessageCommitter {
  commit(draft: MessageDraft): Promise<ChatMessage>;
}
