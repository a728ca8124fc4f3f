import { isCloseEvent } from './chat-client-error.js';
import { ChatCloseCode } from './close-codes.js';

export interface ReconnectPolicyOptions {
  /** First backoff delay in milliseconds, doubled on each further attempt; default 1000. */
  retryDelayMs?: number;
  /** Longest backoff delay in milliseconds; default 30000. */
  maxRetryDelayMs?: number;
  /**
   * Whether a refused token (4403) is worth one immediate retry: true when the token comes from a
   * function, which is called again on reconnect and may return a refreshed token. Default false.
   */
  canRefreshToken?: boolean;
}

export interface ReconnectPolicy {
  /** graphql-ws's `shouldRetry`: whether a failed or closed socket is worth reconnecting. */
  shouldRetry(failure: unknown): boolean;
  /** graphql-ws's `retryWait`: resolves when the next attempt may start. */
  retryWait(retries: number): Promise<void>;
  /** Resolves when a send whose outcome was unknown may go again, after its `attempt`th try. */
  resendWait(attempt: number): Promise<void>;
  /** Call once the server acknowledged a connection. */
  connected(): void;
  /** Ends every pending wait at once, so disposing never waits for a backoff. */
  cancel(): void;
}

/**
 * When and how soon to reconnect. Network drops and server restarts are retried with exponential
 * backoff; a refused token and a replaced session are not, since the same attempt would only be
 * refused again (and a replaced session would in turn close the device that replaced it).
 */
export function createReconnectPolicy(options: ReconnectPolicyOptions = {}): ReconnectPolicy {
  const baseDelay = options.retryDelayMs ?? 1000;
  const maxDelay = options.maxRetryDelayMs ?? 30_000;
  const canRefreshToken = options.canRefreshToken ?? false;

  // graphql-ws asks once per pending operation about the same close event: answer them alike.
  const decisions = new WeakMap<object, boolean>();
  let refreshedToken = false;
  let retryAtOnce = false;
  const waits = new Set<() => void>();

  const decide = (failure: unknown): boolean => {
    if (isCloseEvent(failure)) {
      if (failure.code === ChatCloseCode.Forbidden) {
        if (!canRefreshToken || refreshedToken) return false;
        refreshedToken = true;
        retryAtOnce = true;
        return true;
      }
      return failure.code !== ChatCloseCode.SessionReplaced;
    }
    // Errors come from the client itself (a failing token provider, a malformed frame): retrying
    // repeats them. Anything else is the socket's error event, that is the network.
    return !(failure instanceof Error);
  };

  /** The `retries`th wait: exponential, capped, with jitter; ended early by cancel(). */
  const backoff = (retries: number) => {
    const ceiling = Math.min(maxDelay, baseDelay * 2 ** retries);
    // Jitter spreads the reconnects of every client of a restarted server over time.
    const delay = ceiling / 2 + Math.random() * (ceiling / 2);
    return new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        waits.delete(done);
        resolve();
      };
      const timer = setTimeout(done, delay);
      waits.add(done);
    });
  };

  return {
    shouldRetry(failure) {
      if (typeof failure !== 'object' || failure === null) return false;
      let decision = decisions.get(failure);
      if (decision === undefined) {
        decision = decide(failure);
        decisions.set(failure, decision);
      }
      return decision;
    },

    async retryWait(retries) {
      // A refreshed token has no reason to wait.
      if (retryAtOnce) {
        retryAtOnce = false;
        return;
      }
      await backoff(retries);
    },

    resendWait: (attempt) => backoff(attempt - 1),

    connected() {
      refreshedToken = false;
    },

    cancel() {
      for (const done of [...waits]) done();
    },
  };
}
