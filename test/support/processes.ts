import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { freePort } from './ports.js';

/**
 * The project's entry points as child processes, for tests of what crosses a process boundary
 * (crashes, signals, separate services). Every child is recorded and killed by
 * `killChildProcesses()`, whether the test passed or not.
 */

const children = new Set<Child>();

export interface Child {
  process: ChildProcess;
  /** Everything it printed, for a failing test's message. */
  output(): string;
  exited: Promise<number | null>;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/** Kills (SIGKILL) every child still running: call it from afterAll. */
export async function killChildProcesses(): Promise<void> {
  await Promise.all([...children].map((child) => child.kill('SIGKILL')));
}

/** A TypeScript entry point of the project (`src/main.ts`, `scripts/worker.ts`…) as a child process. */
export function spawnScript(script: string, env: Record<string, string>, args: string[] = []): Child {
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], {
    cwd: join(import.meta.dirname, '../..'),
    env: { ...process.env, LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const tracked: Child = {
    process: child,
    output: () => output,
    exited,
    async kill(signal = 'SIGKILL') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
  children.add(tracked);
  void exited.then(() => children.delete(tracked));
  return tracked;
}

/** Runs a script to its end and answers its exit code and output. */
export async function runScript(script: string, env: Record<string, string>, args: string[]) {
  const child = spawnScript(script, env, args);
  const code = await child.exited;
  return { code, output: child.output() };
}

/** Starts `src/main.ts` on a free port and waits until `/health` answers. */
export async function spawnGateway(env: Record<string, string>): Promise<{ child: Child; url: string }> {
  const port = await freePort();
  const child = spawnScript('src/main.ts', { PORT: String(port), HOST: '127.0.0.1', ...env });
  const url = `http://127.0.0.1:${port}`;
  for (let tries = 0; ; tries++) {
    try {
      if ((await fetch(`${url}/health`)).ok) return { child, url };
    } catch (error) {
      if (tries > 200 || child.process.exitCode !== null) {
        throw new Error(`the gateway did not start: ${child.output()}`, { cause: error });
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
