/**
 * Skips a provider that keeps failing: after `threshold` consecutive failures it is open (skipped)
 * for `openMs`; then one trial send may go through (half-open), and a success closes it again.
 */
export class CircuitBreaker {
  #failures = 0;
  #openUntil = 0;
  #trialInFlight = false;
  #trialStartedAt = 0;

  constructor(
    private readonly threshold: number,
    private readonly openMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  get state(): 'closed' | 'open' | 'half-open' {
    if (this.#failures < this.threshold) return 'closed';
    return this.now() < this.#openUntil ? 'open' : 'half-open';
  }

  /** May a send be tried now? In half-open state only one trial at a time. */
  tryAcquire(): boolean {
    const state = this.state;
    if (state === 'closed') return true;
    if (state === 'open' || this.#trialInFlight) return false;
    this.#trialInFlight = true;
    this.#trialStartedAt = this.now();
    return true;
  }

  /**
   * When a send may next be admitted (ms since the epoch): now when closed, the end of the open period, or,
   * while a trial is in flight, when that trial is over at the latest (it is bounded by `trialTimeoutMs`).
   */
  admitsAt(trialTimeoutMs: number): number {
    const now = this.now();
    const state = this.state;
    if (state === 'closed') return now;
    if (state === 'open') return this.#openUntil;
    if (!this.#trialInFlight) return now;
    const trialEnds = this.#trialStartedAt + trialTimeoutMs;
    return trialEnds > now ? trialEnds : now + trialTimeoutMs;
  }

  /** A trial that was never made (the message was no longer ours): the next message may make it. */
  release(): void {
    this.#trialInFlight = false;
  }

  success(): void {
    this.#failures = 0;
    this.#trialInFlight = false;
  }

  failure(): void {
    this.#failures += 1;
    this.#trialInFlight = false;
    if (this.#failures >= this.threshold) this.#openUntil = this.now() + this.openMs;
  }

  /** A configuration error will not heal by itself soon: open at once. */
  trip(): void {
    this.#failures = Math.max(this.#failures, this.threshold);
    this.failure();
  }
}
