import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Viewer } from '../auth/viewer.js';
import { apiError, ErrorCode, forbidden, rateLimited, unavailable } from '../errors.js';
import type { ChatMessage } from '../model.js';
import type { RateLimiter } from '../rate-limiter.js';
import type { UserDirectory } from '../users/user-directory.js';
import type { MembershipCheck } from './membership-cache.js';
import { CommitUnconfirmedError, type MessageCommitter } from './message-committer.js';
import { validateMessageInput, type SendMessageInput } from './message-input.js';

export interface MessageSenderOptions {
  membership: MembershipCheck;
  users: UserDirectory;
  committer: MessageCommitter;
  limiter: RateLimiter;
  logger: Logger;
  onSent?: (message: ChatMessage, ackMs: number) => void;
  /** A send answered with the message its clientMessageId was already sent as: nothing new was sent. */
  onRepeated?: (message: ChatMessage) => void;
}

export interface MessageSender {
  /** Checks the caller and the message, then commits it; resolving is the ack. */
  send(viewer: Viewer, input: SendMessageInput): Promise<ChatMessage>;
}

export function createMessageSender(options: MessageSenderOptions): MessageSender {
  const { membership, users, committer, limiter, logger } = options;

  return {
    async send(viewer, input) {
      const started = performance.now();
      const decision = limiter.take(viewer.id);
      if (!decision.allowed) {
        throw rateLimited(`Too many messages; try again in ${decision.retryAfterMs} ms.`, decision.retryAfterMs);
      }
      const valid = validateMessageInput(input);
      const [isMember, senderName] = await Promise.all([
        membership.isMember(viewer.id, valid.groupId),
        users.displayName(viewer),
      ]);
      if (!isMember) throw forbidden('You are not a member of this group.');

      const draft = {
        id: randomUUID(),
        groupId: valid.groupId,
        sender: { id: viewer.id, name: senderName },
        msgType: valid.msgType,
        content: valid.content,
        imageUrl: valid.imageUrl,
        clientMessageId: valid.clientMessageId,
        createdAt: Date.now(),
      };
      let message: ChatMessage;
      try {
        message = await committer.commit(draft);
      } catch (error) {
        logger.error({ err: error, groupId: draft.groupId }, 'a message could not be committed');
        if (error instanceof CommitUnconfirmedError) {
          throw apiError(ErrorCode.Unavailable, unconfirmedText(draft.clientMessageId !== null), { reason: 'UNCONFIRMED' });
        }
        throw unavailable('The message could not be stored durably; it was not sent. Try again.');
      }
      if (message.id === draft.id) options.onSent?.(message, performance.now() - started);
      else options.onRepeated?.(message);
      return message;
    },
  };
}

/** What a sender whose commit went unconfirmed can do: with a clientMessageId, sending again is safe. */
function unconfirmedText(hasClientMessageId: boolean): string {
  const notConfirmed = 'Storing the message was not confirmed in time: it may have been sent.';
  return hasClientMessageId
    ? `${notConfirmed} Send it again with the same clientMessageId: if it was stored, the answer is that message and it is not sent twice.`
    : `${notConfirmed} Look for it among the group's messages before sending it again; a clientMessageId makes sending again safe.`;
}
