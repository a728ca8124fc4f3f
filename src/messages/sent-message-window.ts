import type { ChatMessage } from '../model.js';
import type { MessageDraft } from './message-log.js';

export interface SentMessageWindowOptions {
  /** How long a sender's clientMessageId stands for the message it first sent; 0 remembers nothing. */
  windowMs: number;
  /** Messages remembered at most, default 100,000: past it the oldest are forgotten first. */
  maxEntries?: number;
  now?: () => number;
}

interface Sent {
  message: Promise<ChatMessage>;
  expiresAt: number;
}

/**
 * The single-process record of what each sender sent to each group by clientMessageId: a send that
 * repeats one within the window gets the message the first one committed, or waits for it while it is under way,
 * instead of committing a second. A commit that fails is forgotten, so sending again retries it.
 */
export class SentMessageWindow {
  private readonly sent = new Map<string, Sent>();
  private readonly maxEntries: number;
  private readonly now: () => number;

  constructor(private readonly options: SentMessageWindowOptions) {
    this.maxEntries = options.maxEntries ?? 100_000;
    this.now = options.now ?? Date.now;
  }

  /** The message sent earlier with this draft's sender, group and clientMessageId, or `commit`'s. */
  once(draft: MessageDraft, commit: () => Promise<ChatMessage>): Promise<ChatMessage> {
    if (draft.clientMessageId === null || this.options.windowMs <= 0) return commit();
    const now = this.now();
    this.forgetExpired(now);
    const key = sentMessageKey(draft.sender.id, draft.groupId, draft.clientMessageId);
    const earlier = this.sent.get(key);
    if (earlier !== undefined) return earlier.message;

    const message = commit();
    const entry: Sent = { message, expiresAt: now + this.options.windowMs };
    this.sent.set(key, entry);
    message.catch(() => {
      if (this.sent.get(key) === entry) this.sent.delete(key);
    });
    if (this.sent.size > this.maxEntries) this.sent.delete(this.sent.keys().next().value as string);
    return message;
  }

  /** Entries are in the order they were sent, so the expired ones are at the front. */
  private forgetExpired(now: number): void {
    for (const [key, entry] of this.sent) {
      if (entry.expiresAt > now) return;
      this.sent.delete(key);
    }
  }
}

/** One key per sender, group and clientMessageId, whatever characters they hold. */
export function sentMessageKey(senderId: string, groupId: string, clientMessageId: string): string {
  return `${senderId.length}:${senderId}:${groupId.length}:${groupId}:${clientMessageId}`;
}
