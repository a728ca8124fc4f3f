import type { ChildProcess } from 'node:child_process';
import type { ChildRegistry } from '../process/child-registry.js';
import { IpcRequests } from '../process/ipc-requests.js';
import { Histogram } from './histogram.js';
import { phaseOf } from './pacing.js';
import type { ChurnReport, ConnectReply, SendCounts, SocketSpec, StepReport, WorkerReply, WorkerRequest } from './worker-messages.js';

type Command = WorkerRequest extends infer R ? (R extends { reqId: number } ? Omit<R, 'reqId'> : never) : never;

/** A step's reports from every worker, added up. */
export interface FleetReport extends SendCounts {
  receivedInWindow: number;
  sendingMs: number;
  latency: Histogram;
  ack: Histogram;
  unexpectedCloses: number;
}

/**
 * The load-generator processes, seen from the orchestrator: sockets are dealt to workers in
 * contiguous blocks (so a small group stays in one process) and every command goes to all of them.
 */
export class LoadFleet {
  private readonly requests = new IpcRequests<WorkerReply>();

  private constructor(private readonly workers: ChildProcess[]) {
    for (const worker of workers) this.requests.watch(worker, (code) => new Error(`a load worker exited (${code})`));
  }

  static start(registry: ChildRegistry, count: number, label: string): LoadFleet {
    return new LoadFleet(Array.from({ length: count }, (_, i) => registry.fork(`load-${label}-${i}`, 'bench/load/load-worker.ts')));
  }

  get size(): number {
    return this.workers.length;
  }

  /** The worker processes' ids, to read their CPU time. */
  get pids(): number[] {
    return this.workers.map((worker) => worker.pid!);
  }

  private async request<T>(worker: ChildProcess, command: Command, timeoutMs: number): Promise<T> {
    const reply = await this.requests.request(worker, command, timeoutMs, `load worker did not answer ${command.cmd}`);
    if (!reply.ok) throw new Error(reply.error);
    return reply.result as T;
  }

  /** Opens the sockets, `concurrency` handshakes at a time per worker. */
  async connect(specs: SocketSpec[], timeoutMs: number, concurrency = 64): Promise<ConnectReply> {
    const share = Math.ceil(specs.length / this.workers.length);
    const replies = await Promise.all(
      this.workers.map((worker, i) =>
        this.request<ConnectReply>(worker, { cmd: 'connect', sockets: specs.slice(i * share, (i + 1) * share), concurrency, timeoutMs: 10_000 }, timeoutMs),
      ),
    );
    return {
      opened: replies.reduce((sum, reply) => sum + reply.opened, 0),
      failed: replies.reduce((sum, reply) => sum + reply.failed, 0),
      errors: replies.flatMap((reply) => reply.errors).slice(0, 5),
    };
  }

  /**
   * Starts a step on every worker; each sends its share of `sendsPerSecond`, in proportion to the
   * sender sockets it holds.
   */
  async startStep(step: number, sendsPerSecond: number, durationMs: number, subscribersByGroup: Record<string, number>, senderShares: number[], padding: string) {
    const total = senderShares.reduce((sum, n) => sum + n, 0) || 1;
    await Promise.all(
      this.workers.map((worker, i) =>
        this.request(
          worker,
          { cmd: 'step', step, sendsPerSecond: (sendsPerSecond * senderShares[i]!) / total, phase: phaseOf(i, this.workers.length), durationMs, subscribersByGroup, padding },
          10_000,
        ),
      ),
    );
  }

  /** How many of `specs` each worker holds that may send, for startStep. */
  senderShares(specs: SocketSpec[]): number[] {
    const share = Math.ceil(specs.length / this.workers.length);
    return this.workers.map((_, i) => specs.slice(i * share, (i + 1) * share).filter((spec) => spec.send).length);
  }

  async report(step: number): Promise<FleetReport> {
    const reports = await Promise.all(this.workers.map((worker) => this.request<StepReport>(worker, { cmd: 'report', step }, 30_000)));
    const latency = new Histogram();
    const ack = new Histogram();
    const sum = (key: keyof StepReport) => reports.reduce((total, report) => total + (report[key] as number), 0);
    for (const report of reports) {
      latency.merge(report.latency);
      ack.merge(report.ack);
    }
    return {
      attempted: sum('attempted'),
      acked: sum('acked'),
      errored: sum('errored'),
      errorSamples: reports.flatMap((report) => report.errorSamples).slice(0, 5),
      unacked: sum('unacked'),
      expected: sum('expected'),
      received: sum('received'),
      receivedInWindow: sum('receivedInWindow'),
      sendingMs: Math.max(...reports.map((report) => report.sendingMs)),
      latency,
      ack,
      unexpectedCloses: sum('unexpectedCloses'),
    };
  }

  /** Starts churning on every worker: `cyclesPerSecond` in all, shared evenly. */
  async startChurn(cyclesPerSecond: number, durationMs: number): Promise<void> {
    await Promise.all(this.workers.map((worker) => this.request(worker, { cmd: 'churn', cyclesPerSecond: cyclesPerSecond / this.workers.length, durationMs }, 10_000)));
  }

  async churnReport(): Promise<ChurnReport> {
    const reports = await Promise.all(this.workers.map((worker) => this.request<ChurnReport>(worker, { cmd: 'churn-report' }, 30_000)));
    return {
      cycles: reports.reduce((sum, report) => sum + report.cycles, 0),
      failures: reports.reduce((sum, report) => sum + report.failures, 0),
      errors: reports.flatMap((report) => report.errors).slice(0, 5),
      running: reports.some((report) => report.running),
    };
  }

  async closeSockets(): Promise<void> {
    await Promise.all(this.workers.map((worker) => this.request(worker, { cmd: 'close' }, 60_000)));
  }

  async stop(registry: ChildRegistry): Promise<void> {
    await Promise.all(this.workers.map((worker) => registry.stop(worker, 2000)));
  }
}
