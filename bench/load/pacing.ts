/**
 * How many sends a worker owes at `elapsedMs` into a step, having made `sent`: its rate spread
 * evenly over the step, its schedule shifted by `phase` (0 ≤ phase < 1) of its own interval. Each
 * worker of a fleet of n gets phase i/n, so that their sends interleave evenly instead of leaving
 * together: two workers at one message a second each offer one message every half second, not two
 * at once every second, which a server would take as a burst.
 */
export function sendsOwed(sendsPerSecond: number, elapsedMs: number, phase: number, sent: number): number {
  return Math.max(0, Math.floor((sendsPerSecond * elapsedMs) / 1000 + phase) - sent);
}

/** The phase of worker `index` of `count`, for `sendsOwed`. */
export function phaseOf(index: number, count: number): number {
  return count > 0 ? index / count : 0;
}
