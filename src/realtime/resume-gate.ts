import type { ChatMessage } from '../model.js';

/**
 * Joins a replay of missed messages to the live feed without a gap or a duplicate: live messages
 * that arrive while the replay is read are held back, and anything the replay already delivered
 * is dropped from the live feed afterwards.
 */
export class ResumeGate {
  private held: ChatMessage[] | undefined = [];
  /** Highest position the replay delivered, per group: live messages at or below it are repeats. */
  private readonly replayedUpTo = new Map<string, number>();

  constructor(private readonly deliver: (message: ChatMessage) => void) {}

  live(message: ChatMessage): void {
    if (this.held) this.held.push(message);
    else if (!this.isRepeat(message)) this.deliver(message);
  }

  replayed(message: ChatMessage): void {
    if (this.isRepeat(message)) return;
    this.replayedUpTo.set(message.groupId, message.seq);
    this.deliver(message);
  }

  /** The replay is done: release what was held back, then let live messages straight through. */
  open(): void {
    const held = this.held ?? [];
    this.held = undefined;
    for (const message of held) if (!this.isRepeat(message)) this.deliver(message);
  }

  private isRepeat(message: ChatMessage): boolean {
    const upTo = this.replayedUpTo.get(message.groupId);
    return upTo !== undefined && message.seq <= upTo;
  }
}
