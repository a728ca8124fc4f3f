import { fork, spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { compiledPath } from './compile.js';

/**
 * Every process the harness starts, so that all of them die with it: at the end, on a failure, on
 * Ctrl-C. Children log to files under `logDir` rather than to the terminal.
 */
export interface ChildRegistry {
  /** A server (or other program) of the project (`script`: its source path), compiled, started with node. */
  startNode(name: string, script: string, env: Record<string, string>): ChildProcess;
  /** A module of the project, compiled, forked, speaking IPC. */
  fork(name: string, script: string): ChildProcess;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once it has exited. */
  stop(child: ChildProcess, graceMs?: number): Promise<void>;
  killAll(): void;
  logDir: string;
}

/**
 * `buildDir`: the project compiled by `compileProject`, where scripts are run from.
 * `profileDir`: servers (not load workers) write a V8 CPU profile there when they exit.
 */
export function createChildRegistry(root: string, logDir: string, buildDir: string, profileDir?: string): ChildRegistry {
  const profileFlags = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
  mkdirSync(logDir, { recursive: true });
  const children = new Set<ChildProcess>();

  const track = (name: string, child: ChildProcess) => {
    children.add(child);
    const log = createWriteStream(join(logDir, `${name}.log`), { flags: 'a' });
    // Two streams into one file: neither may end it while the other still writes.
    child.stdout?.pipe(log, { end: false });
    child.stderr?.pipe(log, { end: false });
    log.on('error', () => undefined);
    child.once('close', () => log.end());
    child.once('exit', () => children.delete(child));
    return child;
  };

  const registry: ChildRegistry = {
    logDir,
    startNode(name, script, env) {
      const child = spawn(process.execPath, [...profileFlags, compiledPath(buildDir, script)], {
        cwd: root,
        env: { ...process.env, ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      return track(name, child);
    },
    fork(name, script) {
      const child = fork(compiledPath(buildDir, script), [], { cwd: root, execArgv: [], stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
      return track(name, child);
    },
    async stop(child, graceMs = 5000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
    killAll() {
      for (const child of children) child.kill('SIGKILL');
      children.clear();
    },
  };

  process.once('exit', () => registry.killAll());
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      registry.killAll();
      process.exit(130);
    });
  }
  return registry;
}
