import { execFileSync } from 'node:child_process';

/**
 * Tens of thousands of sockets need as many descriptors in the server and across the workers. A
 * Node process cannot call setrlimit, so the harness asks prlimit(1) to raise its own limit, which
 * every child then inherits; without the privilege it keeps the limit it has and says so.
 */
export function raiseFdLimit(wanted: number): { soft: number; hard: number; raised: boolean; note?: string } {
  try {
    execFileSync('prlimit', ['--pid', String(process.pid), `--nofile=${wanted}:${wanted}`], { stdio: 'ignore' });
  } catch (error) {
    const current = readLimit();
    return { ...current, raised: false, note: `prlimit failed (${(error as Error).message.split('\n')[0]}); kept ${current.soft}` };
  }
  return { ...readLimit(), raised: true };
}

function readLimit(): { soft: number; hard: number } {
  const out = execFileSync('prlimit', ['--pid', String(process.pid), '--nofile', '--raw', '--noheadings', '--output', 'SOFT,HARD'], { encoding: 'utf8' });
  const [soft, hard] = out.trim().split(/\s+/);
  return { soft: Number(soft), hard: Number(hard) };
}
