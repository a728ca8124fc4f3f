import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort } from './ports.js';

export interface RedisServer {
  url: string;
  port: number;
  /** Kills the server at once (SIGKILL), as a crash would. */
  kill(): Promise<void>;
  /** Starts it again on the same port (and, when durable, the same data). */
  start(): Promise<void>;
  /** Stops it answering (SIGSTOP) without closing a connection, as a stalled server would. */
  pause(): void;
  /** Lets a paused server go on (SIGCONT): it then runs what it was sent meanwhile. */
  resume(): void;
  /** Kills it for good and removes its data; safe to call twice. */
  stop(): Promise<void>;
}

export interface RedisServerOptions {
  /**
   * Keep data as docs/durability.md asks (append-only file, every write fsynced, no eviction), in
   * a temporary directory, so a restart keeps what was acknowledged; default false (nothing on disk).
   */
  durable?: boolean;
}

/** A redis-server of the test's own on a free port: for tests that stop or restart Redis. */
export async function startRedisServer(options: RedisServerOptions = {}): Promise<RedisServer> {
  const port = await freePort();
  const dir = options.durable ? await mkdtemp(join(tmpdir(), 'campushub-redis-')) : undefined;
  const persistence = dir
    ? ['--dir', dir, '--appendonly', 'yes', '--appendfsync', 'always', '--maxmemory-policy', 'noeviction']
    : ['--appendonly', 'no'];
  let child: ChildProcess | undefined;
  let output = '';

  const start = async () => {
    const started = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', ...persistence], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    started.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    started.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child = started;
    const deadline = Date.now() + 5000;
    for (;;) {
      const probe = new Redis(port, '127.0.0.1', { lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
      probe.on('error', () => {});
      try {
        await probe.connect();
        if ((await probe.ping()) === 'PONG') return;
      } catch (error) {
        if (Date.now() > deadline || started.exitCode !== null) {
          throw new Error(`redis-server did not start: ${output}`, { cause: error });
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
      } finally {
        probe.disconnect();
      }
    }
  };
  const kill = async () => {
    const running = child;
    child = undefined;
    if (!running || running.exitCode !== null || running.signalCode !== null) return;
    const exited = new Promise((resolve) => running.once('exit', resolve));
    running.kill('SIGKILL');
    await exited;
  };
  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    kill,
    start,
    pause: () => void child?.kill('SIGSTOP'),
    resume: () => void child?.kill('SIGCONT'),
    async stop() {
      // A paused server ignores SIGKILL only until it is let go; kill it either way.
      child?.kill('SIGCONT');
      await kill();
      if (dir) await rm(dir, { recursive: true, force: true });
    },
  };
}
