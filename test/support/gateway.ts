import { SignJWT } from 'jose';
import { createClient, type Client, type ExecutionResult } from 'graphql-ws';
import { pino } from 'pino';
import WebSocket from 'ws';
import { signDevToken } from '../../src/auth/dev-token.js';
import { DEV_JWT_SECRET, loadConfig } from '../../src/config.js';
import { buildServer, type RunningServer } from '../../src/server.js';

export interface TestGateway extends RunningServer {
  wsUrl: string;
  stop(): Promise<void>;
}

/**
 * Starts the real gateway on a free port, on its embedded defaults unless `env` says otherwise,
 * except for the send rate limit: a test's users send faster than people, and how fast depends on
 * the machine. The rate limit's own test sets it.
 */
export async function startGateway(env: Record<string, string> = {}): Promise<TestGateway> {
  const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', SEND_RATE_PER_SECOND: '10000', SEND_BURST: '10000', ...env });
  const server = buildServer(config, { logger: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }) });
  const running = await server.start();
  return { ...running, wsUrl: running.url.replace(/^http/, 'ws'), stop: () => server.stop() };
}

export function tokenFor(userId: string, name?: string, roles?: string[], expiresInSeconds?: number): Promise<string> {
  return signDevToken({ userId, name, roles, secret: DEV_JWT_SECRET, expiresInSeconds });
}

/** A token signed as the caller wishes, to try what the server must refuse. */
export function craftToken(claims: Record<string, unknown>, options: { secret?: string; alg?: string; exp?: number } = {}) {
  const jwt = new SignJWT(claims).setProtectedHeader({ alg: options.alg ?? 'HS256' }).setSubject(String(claims.sub ?? 'mallory'));
  if (options.exp !== undefined) jwt.setExpirationTime(options.exp);
  return jwt.sign(new TextEncoder().encode(options.secret ?? DEV_JWT_SECRET));
}

/** An unsigned `alg: none` token, which jose will not produce. */
export function unsignedToken(claims: Record<string, unknown>): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'none', typ: 'JWT' })}.${part(claims)}.`;
}

export interface GraphQLResponse<T = Record<string, any>> {
  status: number;
  data?: T;
  errors?: Array<{ message: string; extensions?: { code?: string; [key: string]: unknown } }>;
}

/** One GraphQL request over HTTP, to a gateway in this process or any other with its GraphQL URL. */
export async function http<T = Record<string, any>>(
  gateway: Pick<TestGateway, 'url'>,
  query: string,
  variables: Record<string, unknown> = {},
  token?: string,
): Promise<GraphQLResponse<T>> {
  const response = await fetch(gateway.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  return { status: response.status, ...((await response.json()) as object) };
}

/** Like http(), but fails the test on any error and returns the data. */
export async function ok<T = Record<string, any>>(
  gateway: Pick<TestGateway, 'url'>,
  query: string,
  variables: Record<string, unknown> = {},
  token?: string,
): Promise<T> {
  const response = await http<T>(gateway, query, variables, token);
  if (response.errors?.length || !response.data) throw new Error(`GraphQL errors: ${JSON.stringify(response.errors)}`);
  return response.data;
}

export interface SocketClient {
  client: Client;
  /** Resolves with the close event's code once the socket closes. */
  closed: Promise<number>;
  subscribe<T = Record<string, any>>(query: string, variables?: Record<string, unknown>, operationName?: string): Subscription<T>;
  dispose(): Promise<void>;
}

export interface Subscription<T> {
  /** Everything received so far. */
  events: ExecutionResult<T>[];
  /** Waits until `count` events arrived (or fails after `timeoutMs`). */
  waitFor(count: number, timeoutMs?: number): Promise<ExecutionResult<T>[]>;
  /** Resolves when the server completes the subscription; rejects with its error. */
  done: Promise<void>;
  unsubscribe(): void;
}

/** A graphql-ws client socket, as a browser would open it, that never reconnects by itself. */
export function connect(gateway: Pick<TestGateway, 'wsUrl'>, connectionParams: Record<string, unknown> | undefined): SocketClient {
  let resolveClosed!: (code: number) => void;
  const closed = new Promise<number>((resolve) => (resolveClosed = resolve));
  const client = createClient({
    url: gateway.wsUrl,
    webSocketImpl: WebSocket,
    connectionParams,
    retryAttempts: 0,
    lazy: false,
    onNonLazyError: () => {},
    on: { closed: (event) => resolveClosed((event as { code: number }).code) },
  });
  return {
    client,
    closed,
    subscribe<T>(query: string, variables: Record<string, unknown> = {}, operationName?: string) {
      const events: ExecutionResult<T>[] = [];
      const waiters: Array<() => void> = [];
      let resolveDone!: () => void;
      let rejectDone!: (error: unknown) => void;
      const done = new Promise<void>((resolve, reject) => {
        resolveDone = resolve;
        rejectDone = reject;
      });
      done.catch(() => {});
      const unsubscribe = client.subscribe<T>(
        { query, variables, ...(operationName ? { operationName } : {}) },
        {
          next: (event) => {
            events.push(event as ExecutionResult<T>);
            for (const wake of waiters.splice(0)) wake();
          },
          error: (error) => {
            rejectDone(error);
            for (const wake of waiters.splice(0)) wake();
          },
          complete: () => {
            resolveDone();
            for (const wake of waiters.splice(0)) wake();
          },
        },
      );
      return {
        events,
        done,
        unsubscribe,
        async waitFor(count, timeoutMs = 5000) {
          const deadline = Date.now() + timeoutMs;
          while (events.length < count) {
            const left = deadline - Date.now();
            if (left <= 0) throw new Error(`expected ${count} events, got ${events.length}: ${JSON.stringify(events)}`);
            await new Promise<void>((resolve) => {
              const timer = setTimeout(resolve, left);
              waiters.push(() => {
                clearTimeout(timer);
                resolve();
              });
            });
          }
          return events;
        },
      };
    },
    dispose: () => client.dispose() as Promise<void>,
  };
}

export function bearer(token: string) {
  return { authorization: `Bearer ${token}` };
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until `check` passes, retrying every 20 ms up to `timeoutMs`. */
export async function eventually(check: () => unknown | Promise<unknown>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await check();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await sleep(20);
    }
  }
}
