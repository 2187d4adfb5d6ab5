/** Flow control for submit_sm: a window of outstanding requests and a per-account throughput cap. */

/** Counts outstanding submit_sm; acquire() waits (first come, first served) while the window is full. */
export class SubmitWindow {
  private inUse = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly size: number) {}

  async acquire(): Promise<() => void> {
    if (this.inUse >= this.size) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.inUse++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiting.shift();
      // The slot passes straight to the next waiter, so inUse only drops when nobody waits.
      if (next) next();
      else this.inUse--;
    };
  }
}

/**
 * A token bucket of capacity one (virtual scheduling): each reservation gets the next free slot 1/tps apart.
 * Capacity one because SMSCs often count throughput over a sliding second, where a burst would be throttled.
 */
export class TokenBucket {
  private nextFreeAt = -Infinity;
  private readonly intervalMs: number;

  constructor(
    tokensPerSecond: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.intervalMs = 1000 / tokensPerSecond;
  }

  /** Reserves one token and returns how many ms to wait before using it (0: now). */
  reserve(): number {
    const now = this.now();
    const at = Math.max(now, this.nextFreeAt);
    this.nextFreeAt = at + this.intervalMs;
    return at - now;
  }
}

export function delay(ms: number): Promise<void> {
  return ms <= 0 ? Promise.resolve() : new Promise((resolve) => setTimeout(resolve, ms));
}
