/**
 * `npm run bench:report [results.json]`: rewrites BENCHMARKS.md and the chart from a results file
 * (default: the newest), without running anything.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { writeBenchmarksMarkdown } from './report/benchmarks-md.js';
import { renderChart } from './report/chart.js';
import type { BenchResults } from './results.js';
import { churnGrowth } from './scenarios/churn.js';
import { countsForPeak } from './scenarios/fanout-workload.js';

const root = resolve(import.meta.dirname, '..');
const dir = join(root, 'bench', 'results');
const file = process.argv[2] ?? join(dir, readdirSync(dir).filter((name) => name.endsWith('.json')).sort().at(-1) ?? '');
const results = JSON.parse(readFileSync(file, 'utf8')) as BenchResults;
results.chart ??= `${results.runId}.png`;
// Judged again with today's rules, so a results file from an older harness reads the same.
for (const workload of results.workloads) {
  for (const system of workload.systems) {
    for (const step of [...system.steps, ...(system.halfGatewayPeak ? [system.halfGatewayPeak] : [])]) {
      if (step.passed && step.attempted === 0) Object.assign(step, { passed: false, failure: 'no message sent: the rate is below one message per worker and step' });
    }
    const best = system.steps.filter(countsForPeak).sort((a, b) => b.deliveredPerSecond - a.deliveredPerSecond)[0];
    system.peak = best ? { deliveredPerSecond: best.deliveredPerSecond, offeredPerSecond: best.offeredDeliveriesPerSecond, step: best.step } : null;
  }
  // Without a gateway peak there is no half of it to compare at.
  if (!workload.systems.find((system) => system.system === 'gateway')?.peak) for (const system of workload.systems) system.halfGatewayPeak = null;
}
if (results.churn?.samples.length) Object.assign(results.churn, churnGrowth(results.churn.samples));
writeFileSync(join(dir, results.chart), await renderChart(results));
writeBenchmarksMarkdown(root, results);
console.log(`BENCHMARKS.md and bench/results/${results.chart} from ${file}`);
