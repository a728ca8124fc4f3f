import type { BenchResults } from '../results.js';
import { failureText, type StepResult } from '../scenarios/measure-step.js';
import { idleRssPerSocket } from '../scenarios/system-session.js';
import { countsForPeak, type SystemWorkloadResult, type WorkloadResult } from '../scenarios/fanout-workload.js';

export interface TargetCheck {
  target: string;
  scope: string;
  value: string;
  /** null: not measured in this run. */
  met: boolean | null;
  /** Missed by the wire too (the gateway's frame writer and nothing else): no server meets it on this machine. */
  outOfReach?: boolean;
}

export const TARGETS = {
  overTutorial: 5,
  ofFloor: 0.8,
  p99AtHalfPeakMs: 50,
  rssPerSocketBytes: 15 * 1024,
  cpuMicrosPerDelivery: 5,
  /** Memory over a churn run, last third over middle third: "flat" allows this much. */
  churnGrowth: 1.1,
};

export function systemOf(workload: WorkloadResult, name: string): SystemWorkloadResult | undefined {
  return workload.systems.find((system) => system.system === name);
}

export function peakStep(system: SystemWorkloadResult | undefined): StepResult | undefined {
  return system?.peak ? system.steps.find((step) => step.step === system.peak!.step) : undefined;
}

export function ratio(a: number | undefined | null, b: number | undefined | null): number | null {
  return a && b ? a / b : null;
}

/** The least CPU per delivery among the steps a system passed. */
function leastCpu(system: SystemWorkloadResult | undefined): number | null {
  const figures = (system?.steps ?? []).filter(countsForPeak).flatMap((step) => (step.serverCpuMicrosPerDelivery == null ? [] : [step.serverCpuMicrosPerDelivery]));
  return figures.length ? Math.min(...figures) : null;
}

/** A missed target that the wire, measured in the same run, missed as well. */
function judged(check: TargetCheck, wireMet: boolean | null): TargetCheck {
  return check.met === false && wireMet === false ? { ...check, outOfReach: true } : check;
}

const fmt = (v: number | null, digits = 2) => (v === null ? 'n/a' : v.toFixed(digits));

/** Every target of the issue, judged from this run's own figures only. */
export function checkTargets(results: BenchResults): TargetCheck[] {
  const checks: TargetCheck[] = [];
  for (const workload of results.workloads) {
    const gateway = systemOf(workload, 'gateway');
    const tutorial = systemOf(workload, 'tutorial');
    const floor = systemOf(workload, 'floor');
    const wire = systemOf(workload, 'wire');
    const gPeak = gateway?.peak?.deliveredPerSecond;
    if (tutorial) {
      const r = ratio(gPeak, tutorial.peak?.deliveredPerSecond);
      if (!tutorial.peak && gPeak && tutorial.steps.length > 0) {
        // No passing step: the tutorial's peak is below the lowest rate it was offered.
        const lowest = Math.min(...tutorial.steps.filter((step) => step.attempted > 0).map((step) => step.achievedOfferedPerSecond));
        const bound = gPeak / lowest;
        checks.push({ target: `gateway peak ≥ ${TARGETS.overTutorial}× tutorial`, scope: workload.name, value: `tutorial passed no step (lowest offered ${Math.round(lowest)}/s): > ${bound.toFixed(2)}×`, met: bound >= TARGETS.overTutorial ? true : null });
      } else {
        checks.push({ target: `gateway peak ≥ ${TARGETS.overTutorial}× tutorial`, scope: workload.name, value: r === null ? 'n/a' : `${fmt(r)}×`, met: r === null ? null : r >= TARGETS.overTutorial });
      }
    }
    if (floor) {
      const r = ratio(gPeak, floor.peak?.deliveredPerSecond);
      checks.push({ target: `gateway peak ≥ ${TARGETS.ofFloor * 100} % of floor`, scope: workload.name, value: r === null ? 'n/a' : `${(r * 100).toFixed(0)} %`, met: r === null ? null : r >= TARGETS.ofFloor });
    }
    // The peers' figures beside the gateway's: what a server without GraphQL (the floor) and one
    // that only writes (the wire) managed on the same machine. A target the wire misses too is out
    // of reach here, whatever the gateway does.
    const half = gateway?.halfGatewayPeak;
    const meetsP99 = (step: StepResult | null | undefined) => (step?.attempted ? step.passed && step.latencyMs.p99 <= TARGETS.p99AtHalfPeakMs : null);
    const p99Beside = (name: string, step: StepResult | null | undefined) => (step?.attempted ? `; ${name} ${step.latencyMs.p99} ms at the same rate` : '');
    checks.push(
      judged(
        {
          target: `gateway p99 ≤ ${TARGETS.p99AtHalfPeakMs} ms at half its peak`,
          scope: workload.name,
          value: half
            ? `${half.latencyMs.p99} ms at ${half.offeredDeliveriesPerSecond}/s${half.passed ? '' : ` (${failureText(half)})`}` +
              p99Beside('floor', floor?.halfGatewayPeak) +
              p99Beside('wire', wire?.halfGatewayPeak)
            : 'n/a',
          met: half ? meetsP99(half) : null,
        },
        meetsP99(wire?.halfGatewayPeak),
      ),
    );
    const cpuAtPeak = (system: SystemWorkloadResult | undefined) => peakStep(system)?.serverCpuMicrosPerDelivery ?? null;
    const meetsCpu = (micros: number | null) => (micros === null ? null : micros <= TARGETS.cpuMicrosPerDelivery);
    const gatewayCpu = cpuAtPeak(gateway);
    const floorCpu = cpuAtPeak(floor);
    // The wire's least over every step it passed: if even that is over, no rate it sustained came under.
    const wireCpu = leastCpu(wire);
    checks.push(
      judged(
        {
          target: `gateway CPU ≤ ${TARGETS.cpuMicrosPerDelivery} µs per delivery at peak`,
          scope: workload.name,
          value:
            gatewayCpu === null
              ? 'n/a'
              : `${gatewayCpu} µs` + (floorCpu === null ? '' : `; floor ${floorCpu} µs at its own peak`) + (wireCpu === null ? '' : `; wire ${wireCpu} µs at its least`),
          met: meetsCpu(gatewayCpu),
        },
        meetsCpu(wireCpu),
      ),
    );
  }
  const memoryPoints = [
    ...results.workloads.filter((w) => w.groupSize === 10).map((w) => ({ sockets: w.sockets, setup: systemOf(w, 'gateway')?.setup })),
    ...results.idleMemory.map((m) => ({ sockets: m.sockets, setup: m.systems.find((s) => s.system === 'gateway')?.setup })),
  ];
  for (const point of memoryPoints) {
    const bytes = point.setup && idleRssPerSocket(point.setup);
    checks.push({
      target: `gateway RSS ≤ 15 KiB per idle subscribed socket`,
      scope: `${point.sockets.toLocaleString('en')} sockets`,
      value: bytes === undefined ? 'n/a' : `${(bytes / 1024).toFixed(1)} KiB`,
      met: bytes === undefined ? null : bytes <= TARGETS.rssPerSocketBytes,
    });
  }
  const pubsub = [
    ...results.workloads.flatMap((w) => w.systems.filter((s) => s.system === 'gateway').map((s) => ({ scope: w.name, check: s.setup?.pubsub, mode: s.mode }))),
    ...(results.crossInstance ? [{ scope: 'cross-instance', check: results.crossInstance.setup?.pubsub, mode: results.crossInstance.mode }] : []),
  ];
  for (const { scope, check, mode } of pubsub) {
    const redis = mode?.startsWith('Redis');
    checks.push({
      target: 'one Redis SUBSCRIBE per group channel per process (PUBSUB NUMSUB)',
      scope,
      value: !redis ? 'gateway not on Redis' : check ? `${check.minSubscribers}–${check.maxSubscribers} over ${check.channelsChecked} channels` : 'n/a',
      met: !redis || !check ? null : check.ok,
    });
  }
  const churn = results.churn;
  if (churn) {
    const grew = [churn.rssGrowth, churn.heapGrowth].filter((value): value is number => value !== null);
    checks.push({
      target: `gateway memory flat under churn (last third ≤ ${TARGETS.churnGrowth}× middle third)`,
      scope: `${churn.seconds} s, ${churn.sockets.toLocaleString('en')} sockets, ${churn.cyclesPerSecond}/s replaced`,
      value: churn.error && grew.length === 0 ? `failed: ${churn.error.split('\n')[0]}` : `RSS ×${churn.rssGrowth?.toFixed(2) ?? 'n/a'}, heap floor ×${churn.heapGrowth?.toFixed(2) ?? 'n/a'}; ${churn.cycles.toLocaleString('en')} replaced`,
      met: grew.length === 0 || churn.cycles === 0 ? null : grew.every((value) => value <= TARGETS.churnGrowth),
    });
  }
  return checks;
}
