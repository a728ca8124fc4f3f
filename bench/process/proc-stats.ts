import { readFileSync } from 'node:fs';

/** Linux's USER_HZ: utime and stime in /proc/<pid>/stat count in these. */
const CLOCK_TICKS_PER_SECOND = 100;

/** CPU time (user + system) the process has used, in microseconds. */
export function cpuMicros(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may hold spaces: count fields after its closing parenthesis.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return ((utime + stime) * 1_000_000) / CLOCK_TICKS_PER_SECOND;
}

/** Resident set size in bytes. */
export function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = /^VmRSS:\s+(\d+) kB/m.exec(status);
  return match ? Number(match[1]) * 1024 : 0;
}

export function totalCpuMicros(pids: number[]): number {
  return pids.reduce((sum, pid) => sum + cpuMicros(pid), 0);
}

/**
 * CPU time every core of the machine has spent busy (user, nice, system, irq, softirq, steal:
 * everything but idle and I/O wait), in microseconds, from the `cpu` line of /proc/stat: what
 * every process and the kernel's network processing took, whoever ran it.
 */
export function machineBusyMicros(procStat = readFileSync('/proc/stat', 'utf8')): number {
  const line = /^cpu\s+(.+)$/m.exec(procStat)?.[1];
  if (!line) throw new Error('/proc/stat has no cpu line');
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = line.trim().split(/\s+/).map(Number);
  return ((user + nice + system + irq + softirq + steal) * 1_000_000) / CLOCK_TICKS_PER_SECOND;
}
