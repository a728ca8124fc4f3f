/**
 * A latency histogram that merges across processes: logarithmic buckets 2 % wide, so any value is
 * known to within 2 % and a whole run's samples fit in a few hundred counters sent over IPC.
 */

const GROWTH = 1.02;
const LOG_GROWTH = Math.log(GROWTH);

/** Sparse counts: bucket index → samples. Values are microseconds. */
export type HistogramData = Record<number, number>;

export class Histogram {
  readonly counts = new Map<number, number>();
  count = 0;
  max = 0;

  record(micros: number): void {
    const value = micros < 1 ? 1 : micros;
    const bucket = Math.ceil(Math.log(value) / LOG_GROWTH);
    this.counts.set(bucket, (this.counts.get(bucket) ?? 0) + 1);
    this.count++;
    if (value > this.max) this.max = value;
  }

  merge(data: SerializedHistogram): void {
    for (const [bucket, n] of Object.entries(data.counts)) {
      const key = Number(bucket);
      this.counts.set(key, (this.counts.get(key) ?? 0) + n);
    }
    this.count += data.count;
    if (data.max > this.max) this.max = data.max;
  }

  /** The value at quantile q (0..1), in microseconds: the upper bound of its bucket, capped at the max seen. */
  quantile(q: number): number {
    if (this.count === 0) return 0;
    const rank = Math.max(1, Math.ceil(q * this.count));
    let seen = 0;
    for (const bucket of [...this.counts.keys()].sort((a, b) => a - b)) {
      seen += this.counts.get(bucket)!;
      if (seen >= rank) return Math.min(GROWTH ** bucket, this.max);
    }
    return this.max;
  }

  serialize(): SerializedHistogram {
    return { counts: Object.fromEntries(this.counts), count: this.count, max: this.max };
  }

  /** p50/p90/p99/max in milliseconds, rounded to 0.01 ms. */
  summary(): LatencySummary {
    const ms = (micros: number) => Math.round(micros / 10) / 100;
    return { count: this.count, p50: ms(this.quantile(0.5)), p90: ms(this.quantile(0.9)), p99: ms(this.quantile(0.99)), max: ms(this.max) };
  }
}

export interface SerializedHistogram {
  counts: HistogramData;
  count: number;
  max: number;
}

export interface LatencySummary {
  count: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}
