import type { BenchOptions } from '../options.js';
import type { SystemName } from '../systems/system.js';
import { loadAverage } from './fanout-workload.js';
import { IDLE_RSS_WAIT_MS, inSession, openSession, type HarnessContext, type SetupResult } from './system-session.js';

export interface IdleMemoryResult {
  sockets: number;
  note?: string;
  systems: Array<{ system: SystemName; mode?: string; setup?: SetupResult; error?: string; loadAverageAtStart: number[] }>;
}

/** RSS of a fresh server before and after `sockets` idle sockets with one subscription each (groups of 10). */
export async function runIdleMemory(ctx: HarnessContext, options: BenchOptions, sockets: number): Promise<IdleMemoryResult> {
  const result: IdleMemoryResult = { sockets, systems: [] };
  for (const name of options.systems) {
    ctx.log(`idle memory ${sockets}: ${name}`);
    const entry: IdleMemoryResult['systems'][number] = { system: name, loadAverageAtStart: loadAverage() };
    result.systems.push(entry);
    await inSession(
      ctx,
      name,
      entry,
      () => openSession(ctx, name, `idle-${sockets}`, { sockets, groupSize: 10 }),
      async (session) => {
        entry.mode = session.system.mode;
        entry.setup = session.setup;
        const { rssPerSocketBytes, rssIdlePerSocketBytes } = session.setup;
        ctx.log(`  ${name}: ${(rssPerSocketBytes / 1024).toFixed(1)} KiB per socket after the warm-up, ${((rssIdlePerSocketBytes ?? Number.NaN) / 1024).toFixed(1)} KiB after ${IDLE_RSS_WAIT_MS / 1000} s idle`);
      },
    );
  }
  return result;
}
