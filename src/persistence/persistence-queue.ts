import type { ChatMessage } from '../model.js';

export interface QueueStats {
  /** Messages accepted and not yet stored. */
  depth: number;
  /** Messages that failed every attempt and wait for an operator. */
  deadLetters: number;
  /** Messages handed to a worker and not yet acknowledged by it (Redis only). */
  pending?: number;
  /** Entries in the stream, stored ones not yet trimmed included (Redis only). */
  length?: number;
}

/**
 * Carries acked messages to the Chat service. `enqueue` resolving is the durability point: only then
 * may sendMessage answer.
 */
export interface PersistenceQueue {
  enqueue(message: ChatMessage): Promise<void>;
  stats(): Promise<QueueStats>;
  /** Stops taking work and waits (up to its own bound) for what is in flight. */
  close(): Promise<void>;
}

/** Stores one message; must be idempotent on the message id, as a retry may repeat it. */
export type SaveMessage = (message: ChatMessage) => Promise<void>;

/**
 * Stores several messages in one call, in order; rejects as the first failing one would (those
 * before it may be stored). Idempotent like `SaveMessage`.
 */
export type SaveMessages = (messages: ChatMessage[]) => Promise<void>;
