/**
 * Configuration, read once from the environment. Every problem is collected and reported together,
 * so an operator fixes a broken deployment in one go rather than one variable per restart.
 */

export interface Config {
  /** `NODE_ENV`; `production` refuses the development JWT secret and hides GraphiQL. */
  nodeEnv: string;
  /** `PORT`, default 4000. */
  port: number;
  /** `HOST`, default `0.0.0.0`. */
  host: string;
  /** `LOG_LEVEL`, default `info`. */
  logLevel: string;
  auth: {
    /** `JWT_SECRET`: HS256 shared secret; a development default outside production. */
    jwtSecret?: string;
    /** `JWKS_URL`: verify asymmetric tokens (RS256, ES256, EdDSA…) against this key set instead. */
    jwksUrl?: string;
    /** `JWT_ISSUER` and `JWT_AUDIENCE`: checked when set. */
    issuer?: string;
    audience?: string;
    /** `JWT_ALGORITHMS`: the allow-list, default HS256 with a secret and RS256,ES256,EdDSA with JWKS. */
    algorithms: string[];
    /** Whether the secret is the development default (logged loudly at start). */
    usingDevSecret: boolean;
  };
  /**
   * `REDIS_URL`: switches the event bus, message positions and log, presence and the persistence
   * queue to Redis, so any number of instances behave as one service.
   */
  redisUrl?: string;
  /** `REDIS_PREFIX`, default `campushub`: prefix of every channel and key. */
  redisPrefix: string;
  persistence: {
    /**
     * `PERSISTENCE_WORKER`, default true: with Redis, this instance also runs a persistence worker
     * that stores queued messages; turn it off where `npm run worker` processes do that instead.
     */
    worker: boolean;
    /** `PERSISTENCE_MAX_ATTEMPTS`, default 8: deliveries the Chat service refuses before a message becomes a dead letter. */
    maxAttempts: number;
    /** `PERSISTENCE_CLAIM_IDLE_MS`, default 30000: a message pending this long with a silent worker is taken over by another. */
    claimIdleMs: number;
  };
  chat: {
    /** `CHAT_GRPC_URL` (host:port): an external Chat service; unset starts the reference one in-process. */
    url?: string;
    /** `CHAT_GRPC_HOST`, default `0.0.0.0`: where `npm run chat-service` listens (gateways elsewhere must reach it). */
    host: string;
    /** `CHAT_GRPC_PORT`, default 50051: where `npm run chat-service` listens. */
    port: number;
    /** `CHAT_RPC_DEADLINE_MS`, default 2000: deadline of each call to the Chat service. */
    deadlineMs: number;
    /** `DATABASE_URL`: the reference Chat service stores in PostgreSQL instead of memory. */
    databaseUrl?: string;
  };
  realtime: {
    /** `WS_KEEPALIVE_MS`, default 12000: a socket silent this long is pinged, and dropped if it stays silent (no pong, no message) as long again. */
    keepAliveMs: number;
    /** `SINGLE_SESSION`, default false: a new login closes the same user's earlier sockets. */
    singleSession: boolean;
    /** `WS_MAX_PAYLOAD_BYTES`, default 524288: larger incoming frames close the socket. */
    maxPayloadBytes: number;
    /**
     * `WS_MAX_BUFFERED_BYTES`, default 4194304: bytes a socket may have queued, not yet read by its
     * client, before it is closed with 4002 (the client reconnects and resumes from its last
     * cursor). A burst written at once, such as a replay, counts from the next write on.
     */
    maxBufferedBytes: number;
    /** `MAX_CONNECTIONS`, default 10000: further upgrades are refused with 503. */
    maxConnections: number;
    /** `WS_CONNECTION_INIT_TIMEOUT_MS`, default 3000: time a socket has to authenticate. */
    connectionInitTimeoutMs: number;
    /**
     * `PRESENCE_TTL_MS`, default 60000: with Redis, how long a connection counts as online after its
     * last heartbeat, so users of a crashed instance go offline within this time. Sockets heartbeat
     * every third of it.
     */
    presenceTtlMs: number;
  };
  messageLog: {
    /** `MESSAGE_LOG_MAX_PER_GROUP`, default 1000: recent messages kept per group for resuming subscribers. */
    maxPerGroup: number;
    /** `MESSAGE_LOG_TTL_MS`, default 7 days: with Redis, a group's kept messages expire this long after its last message. */
    ttlMs: number;
  };
  limits: {
    /** `SEND_RATE_PER_SECOND`, default 10: sustained sendMessage rate per user. */
    sendRatePerSecond: number;
    /** `SEND_BURST`, default 30: messages a user may send at once before the rate applies. */
    sendBurst: number;
    /**
     * `MEMBERSHIP_CACHE_MS`, default 5000, 0 for none: how long sendMessage trusts a confirmed
     * membership before asking the Chat service again. A leave on this instance takes effect at
     * once; one on another instance within this time. While the member is subscribed to the group
     * on this instance, the subscription holds the membership until the leave reaches it.
     */
    membershipCacheMs: number;
    /**
     * `SEND_RETRY_WINDOW_MS`, default 600000 (10 minutes), 0 for none: for this long a sendMessage
     * that repeats its sender's clientMessageId in the same group answers the message already
     * sent, and sends nothing again.
     */
    sendRetryWindowMs: number;
  };
  /** `GRAPHIQL`, default true outside production: GraphiQL and introspection. */
  graphiql: boolean;
  /**
   * `HEAP_COMPACTION_MB`, default 64, 0 for never: once the heap has grown by this much (after a
   * burst of connections, say), it is compacted and given back the next time the gateway is quiet
   * (the event loop idle for a second, nothing delivered for 3 s), at most once every 10 seconds.
   */
  heapCompactionBytes: number;
}

export const DEV_JWT_SECRET = 'campushub-dev-secret-do-not-use-in-production';

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

export interface LoadConfigOptions {
  /**
   * False for processes that never verify a token (the Chat service, the persistence worker, the
   * dead-letter tool): production does not ask them for a JWT secret.
   */
  verifiesTokens?: boolean;
}

/** What a socket may hold queued for a reader that fell behind, unless WS_MAX_BUFFERED_BYTES says otherwise. */
export const DEFAULT_WS_MAX_BUFFERED_BYTES = 4 * 1024 * 1024;

export function loadConfig(env: Env = process.env, options: LoadConfigOptions = {}): Config {
  const problems: string[] = [];
  const str = (name: string): string | undefined => {
    const value = env[name]?.trim();
    return value ? value : undefined;
  };
  const int = (name: string, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER): number => {
    const raw = str(name);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) {
      problems.push(`${name} must be an integer between ${min} and ${max}, got "${raw}"`);
      return fallback;
    }
    return value;
  };
  const bool = (name: string, fallback: boolean): boolean => {
    const raw = str(name)?.toLowerCase();
    if (raw === undefined) return fallback;
    if (['true', '1', 'yes', 'on'].includes(raw)) return true;
    if (['false', '0', 'no', 'off'].includes(raw)) return false;
    problems.push(`${name} must be true or false, got "${raw}"`);
    return fallback;
  };
  const url = (name: string, protocols: string[]): string | undefined => {
    const raw = str(name);
    if (raw === undefined) return undefined;
    try {
      const parsed = new URL(raw);
      if (!protocols.includes(parsed.protocol)) {
        problems.push(`${name} must be a ${protocols.join(' or ')} URL, got "${parsed.protocol}"`);
      }
    } catch {
      problems.push(`${name} is not a valid URL`);
    }
    return raw;
  };

  const nodeEnv = str('NODE_ENV') ?? 'development';
  const production = nodeEnv === 'production';

  const jwksUrl = url('JWKS_URL', ['https:', 'http:']);
  let jwtSecret = str('JWT_SECRET');
  let usingDevSecret = false;
  if (!jwtSecret && !jwksUrl) {
    if (production && options.verifiesTokens !== false) problems.push('JWT_SECRET or JWKS_URL is required when NODE_ENV=production');
    else if (!production) {
      jwtSecret = DEV_JWT_SECRET;
      usingDevSecret = true;
    }
  }
  if (jwtSecret && production && jwtSecret === DEV_JWT_SECRET) {
    problems.push('JWT_SECRET must not be the development secret when NODE_ENV=production');
  }
  if (jwtSecret && !usingDevSecret && Buffer.byteLength(jwtSecret) < 32) {
    problems.push('JWT_SECRET must be at least 32 bytes long for HS256');
  }
  const algorithms = (str('JWT_ALGORITHMS') ?? (jwksUrl ? 'RS256,ES256,EdDSA' : 'HS256'))
    .split(',')
    .map((alg) => alg.trim())
    .filter(Boolean);
  if (algorithms.some((alg) => alg.toLowerCase() === 'none')) {
    problems.push('JWT_ALGORITHMS must not include "none"');
  }

  const chatUrl = str('CHAT_GRPC_URL');
  if (chatUrl && !/^[\w.-]+:\d{1,5}$|^\[[\da-fA-F:]+\]:\d{1,5}$/.test(chatUrl)) {
    problems.push(`CHAT_GRPC_URL must be host:port, got "${chatUrl}"`);
  }

  const config: Config = {
    nodeEnv,
    port: int('PORT', 4000, 0, 65535),
    host: str('HOST') ?? '0.0.0.0',
    logLevel: str('LOG_LEVEL') ?? 'info',
    auth: {
      jwtSecret,
      jwksUrl,
      issuer: str('JWT_ISSUER'),
      audience: str('JWT_AUDIENCE'),
      algorithms,
      usingDevSecret,
    },
    redisUrl: url('REDIS_URL', ['redis:', 'rediss:']),
    redisPrefix: str('REDIS_PREFIX') ?? 'campushub',
    persistence: {
      worker: bool('PERSISTENCE_WORKER', true),
      maxAttempts: int('PERSISTENCE_MAX_ATTEMPTS', 8, 1, 1000),
      claimIdleMs: int('PERSISTENCE_CLAIM_IDLE_MS', 30_000, 100, 24 * 3600_000),
    },
    chat: {
      url: chatUrl,
      host: str('CHAT_GRPC_HOST') ?? '0.0.0.0',
      port: int('CHAT_GRPC_PORT', 50051, 0, 65535),
      deadlineMs: int('CHAT_RPC_DEADLINE_MS', 2000, 10, 60_000),
      databaseUrl: url('DATABASE_URL', ['postgres:', 'postgresql:']),
    },
    realtime: {
      keepAliveMs: int('WS_KEEPALIVE_MS', 12_000, 100, 600_000),
      singleSession: bool('SINGLE_SESSION', false),
      maxPayloadBytes: int('WS_MAX_PAYLOAD_BYTES', 512 * 1024, 1024, 64 * 1024 * 1024),
      maxBufferedBytes: int('WS_MAX_BUFFERED_BYTES', DEFAULT_WS_MAX_BUFFERED_BYTES, 1024, 1024 * 1024 * 1024),
      maxConnections: int('MAX_CONNECTIONS', 10_000, 1),
      connectionInitTimeoutMs: int('WS_CONNECTION_INIT_TIMEOUT_MS', 3_000, 100, 60_000),
      presenceTtlMs: int('PRESENCE_TTL_MS', 60_000, 300, 24 * 3600_000),
    },
    messageLog: {
      maxPerGroup: int('MESSAGE_LOG_MAX_PER_GROUP', 1000, 1, 1_000_000),
      ttlMs: int('MESSAGE_LOG_TTL_MS', 7 * 24 * 3600_000, 1000),
    },
    limits: {
      sendRatePerSecond: int('SEND_RATE_PER_SECOND', 10, 1),
      sendBurst: int('SEND_BURST', 30, 1),
      membershipCacheMs: int('MEMBERSHIP_CACHE_MS', 5000, 0, 600_000),
      sendRetryWindowMs: int('SEND_RETRY_WINDOW_MS', 600_000, 0, 7 * 24 * 3600_000),
    },
    graphiql: bool('GRAPHIQL', !production),
    heapCompactionBytes: int('HEAP_COMPACTION_MB', 64, 0, 1024 * 1024) * 1024 * 1024,
  };

  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}
