/**
 * Calls `onExpired` once for each watched item when its time has passed, at most a second late,
 * with one timer for every item rather than one each: the items are kept by the second they expire
 * in, and a timer that runs while any are watched looks at each second as it passes.
 *
 * A timer per socket would cost a timeout and its closures for the socket's whole life, and an
 * unreferenced timer whose duration no other timer shares leaves a list behind in Node's timers
 * when it is cleared, until that duration has passed: each socket closed before its token expired
 * would hold on to one for as long as the token had left.
 */
export class ExpiryWatch<T> {
  private readonly bySecond = new Map<number, Set<T>>();
  private readonly secondOf = new Map<T, number>();
  private timer: NodeJS.Timeout | undefined;
  /** Every second up to this one has been looked at. */
  private checkedUpTo = 0;

  constructor(private readonly onExpired: (item: T) => void) {}

  /**
   * Watches `item` until `expiresAt` (epoch milliseconds), in place of any earlier watch of it. A
   * time already past expires it at the next check, within a second, never during this call.
   */
  watch(item: T, expiresAt: number): void {
    this.forget(item);
    // While nothing is watched, no second needs looking at.
    if (!this.timer) this.checkedUpTo = currentSecond();
    const second = Math.max(Math.ceil(expiresAt / 1000), this.checkedUpTo + 1);
    let items = this.bySecond.get(second);
    if (!items) this.bySecond.set(second, (items = new Set()));
    items.add(item);
    this.secondOf.set(item, second);
    if (!this.timer) {
      this.timer = setInterval(() => this.check(), 1000);
      this.timer.unref();
    }
  }

  forget(item: T): void {
    const second = this.secondOf.get(item);
    if (second === undefined) return;
    this.secondOf.delete(item);
    const items = this.bySecond.get(second);
    items?.delete(item);
    if (items?.size === 0) this.bySecond.delete(second);
    if (this.secondOf.size === 0) this.stop();
  }

  /** Items watched now. */
  get size(): number {
    return this.secondOf.size;
  }

  /** Forgets every item; nothing expires after this. */
  clear(): void {
    this.bySecond.clear();
    this.secondOf.clear();
    this.stop();
  }

  private check(): void {
    const now = currentSecond();
    // Second by second, so each check costs what has passed, not what is watched.
    for (let second = this.checkedUpTo + 1; second <= now; second++) {
      const items = this.bySecond.get(second);
      if (!items) continue;
      this.bySecond.delete(second);
      for (const item of items) {
        this.secondOf.delete(item);
        this.onExpired(item);
      }
    }
    this.checkedUpTo = Math.max(this.checkedUpTo, now);
    if (this.secondOf.size === 0) this.stop();
  }

  private stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}

function currentSecond(): number {
  return Math.floor(Date.now() / 1000);
}
