import type { ChatMessage } from '../model.js';
import type { MessageDraft } from './message-log.js';

/**
 * The step that turns an accepted draft into a sent message: it gets its position in the group, is
 * handed to the persistence queue, kept for resuming subscribers, and published, in that order.
 * Resolving is the ack. Rejecting means none of it may be relied on; with `CommitUnconfirmedError`
 * it may all have happened all the same.
 *
 * With Redis all of it is one atomic script, so positions, the kept log and the order of
 * publication always agree, across any number of instances.
 */
export interface MessageCommitter {
  commit(draft: MessageDraft): Promise<ChatMessage>;
}

/**
 * A commit whose outcome is unknown: the store did not answer in time, or the connection was lost
 * with the command under way. The message may have been stored and delivered, or not.
 */
export class CommitUnconfirmedError extends Error {
  constructor(cause: unknown) {
    super('The commit was not confirmed: it may or may not have happened', { cause });
    this.name = 'CommitUnconfirmedError';
  }
}
