import type { ChurnResult } from './scenarios/churn.js';
import type { CrossInstanceResult } from './scenarios/cross-instance.js';
import type { WorkloadResult } from './scenarios/fanout-workload.js';
import type { IdleMemoryResult } from './scenarios/idle-memory.js';
import type { BenchOptions } from './options.js';

/** Everything one run measured: what bench/results/<run>.json holds and the report is made from. */
export interface BenchResults {
  runId: string;
  startedAt: string;
  finishedAt?: string;
  options: BenchOptions;
  machine: {
    cpus: number;
    cpuModel: string;
    memoryGiB: number;
    node: string;
    kernel: string;
    fdLimit: { soft: number; hard: number; raised: boolean; note?: string };
    loadAverageAtStart: number[];
    /** Other processes using CPU when the run started (other engineers' test suites, say). */
    busyProcessesAtStart: string[];
  };
  workloads: WorkloadResult[];
  idleMemory: IdleMemoryResult[];
  crossInstance: CrossInstanceResult | null;
  churn?: ChurnResult | null;
  error?: string;
  chart?: string;
}
