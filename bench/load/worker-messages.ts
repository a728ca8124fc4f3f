import type { SerializedHistogram } from './histogram.js';

/** IPC between the orchestrator and a load worker: one request, one reply with the same `reqId`. */

export interface SocketSpec {
  /** ws://127.0.0.1:<port>/graphql */
  url: string;
  userId: string;
  /** Sent in connection_init as `{ authorization: 'Bearer <token>' }` when present. */
  token?: string;
  groupId: string;
  /** Join the group over the socket before subscribing (the gateway checks membership). */
  join: boolean;
  subscribe: boolean;
  /** May send messages to its group. */
  send: boolean;
  /** Subscribe resuming after this `Message.cursor` (a user reconnecting under churn). */
  after?: string;
  /**
   * Keep the cursor of every message counted, from the first (warm-up included), so that the
   * socket's user can come back after the last one (churn).
   */
  resumes?: boolean;
}

export type WorkerRequest =
  | { reqId: number; cmd: 'connect'; sockets: SocketSpec[]; concurrency: number; timeoutMs: number }
  | {
      reqId: number;
      cmd: 'step';
      step: number;
      sendsPerSecond: number;
      /** Where in its own send interval this worker's schedule starts (see `sendsOwed`). */
      phase: number;
      durationMs: number;
      /** Subscribers of each group across all workers: what one message to it should deliver. */
      subscribersByGroup: Record<string, number>;
      padding: string;
    }
  | { reqId: number; cmd: 'report'; step: number }
  /** Replaces `cyclesPerSecond` of this worker's sockets a second, for `durationMs`: one leaves, its user reconnects. */
  | { reqId: number; cmd: 'churn'; cyclesPerSecond: number; durationMs: number }
  | { reqId: number; cmd: 'churn-report' }
  | { reqId: number; cmd: 'close' };

export interface ConnectReply {
  opened: number;
  failed: number;
  errors: string[];
}

/** What a worker's churn has done so far. */
export interface ChurnReport {
  cycles: number;
  failures: number;
  errors: string[];
  running: boolean;
}

/** What became of a step's sends, as a worker, the whole fleet and the step's result count it. */
export interface SendCounts {
  attempted: number;
  acked: number;
  errored: number;
  errorSamples: string[];
  /** Sends of this step still waiting for their ack. */
  unacked: number;
  /** Deliveries the sends of this step should make (errored sends excluded). */
  expected: number;
  /** Deliveries of this step's messages received so far. */
  received: number;
}

export interface StepReport extends SendCounts {
  step: number;
  /** Deliveries of any step received while this step was sending. */
  receivedInWindow: number;
  /** How long this worker actually sent, in ms. */
  sendingMs: number;
  latency: SerializedHistogram;
  ack: SerializedHistogram;
  /** Sockets closed by the other side since the worker connected. */
  unexpectedCloses: number;
}

export type WorkerReply = { reqId: number; ok: true; result: unknown } | { reqId: number; ok: false; error: string };
