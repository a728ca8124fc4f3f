import type { ChatMessage } from '../model.js';

/** Where the gate lets messages through: the subscription's event stream. */
export interface MessageSink {
  push(message: ChatMessage): void;
}

/**
 * Joins a replay of missed messages to the live feed without a gap or a duplicate: live messages
 * that arrive while the replay is read are held back, and anything the replay already delivered
 * is dropped from the live feed afterwards.
 */
export class ResumeGate {
  private held: ChatMessage[] | undefined = [];
  /**
   * Highest position the replay delivered, per group: live messages at or below it are repeats.
   * Only a subscription that resumed has one, so a live message of any other costs no lookup.
   */
  private replayedUpTo: Map<string, number> | undefined;

  constructor(private readonly sink: MessageSink) {}

  live(message: ChatMessage): void {
    if (this.held) this.held.push(message);
    else if (!this.isRepeat(message)) this.sink.push(message);
  }

  replayed(message: ChatMessage): void {
    if (this.isRepeat(message)) return;
    (this.replayedUpTo ??= new Map()).set(message.groupId, message.seq);
    this.sink.push(message);
  }

  /** The replay is done: release what was held back, then let live messages straight through. */
  open(): void {
    const held = this.held ?? [];
    this.held = undefined;
    for (const message of held) if (!this.isRepeat(message)) this.sink.push(message);
  }

  private isRepeat(message: ChatMessage): boolean {
    if (this.replayedUpTo === undefined) return false;
    const upTo = this.replayedUpTo.get(message.groupId);
    return upTo !== undefined && message.seq <= upTo;
  }
}
