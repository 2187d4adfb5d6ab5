/**
 * The loop of a durable queue's worker (the SMS dispatcher, the client-webhook worker): claim what the free
 * slots allow, run each claimed item, claim again. It sleeps `pollMs` when nothing was due, until a slot
 * frees when all are busy, and backs off (doubling up to `maxBackoffMs`) while claims fail (the database is
 * away). Stopping stops the claims and waits for the items in flight.
 */
export interface ClaimLoopOptions<T> {
  /** Items in flight at once. */
  concurrency: number;
  pollMs: number;
  maxBackoffMs: number;
  /** Claims up to `free` items (free > 0). */
  claim(free: number): Promise<T[]>;
  /** Runs one claimed item; must not throw (it records its own outcome, or logs why it could not). */
  run(item: T): Promise<void>;
  /** The first of a run of failed claims says why; the rest are `failures` counted so far. */
  claimFailed(error: unknown, failures: number, retryInMs: number): void;
  claimsAgain?(failures: number): void;
}

export interface ClaimLoop<T = unknown> {
  /** Claims and runs one batch; resolves with the number handled. */
  runOnce(): Promise<number>;
  /** runOnce, answering the items claimed (each run's promise has resolved). */
  runBatch(): Promise<T[]>;
  /** Runs batches until none is due (tests and shutdown). */
  drain(): Promise<void>;
  /** Work was queued: claim now rather than after the poll. */
  wake(): void;
  start(): void;
  /** Stops claiming and waits for the items in flight. */
  stop(): Promise<void>;
  /** Items in flight now. */
  readonly inFlight: number;
}

export function createClaimLoop<T>(options: ClaimLoopOptions<T>): ClaimLoop<T> {
  const inFlight = new Set<Promise<void>>();

  /** Claims what the free slots allow and starts each item; answers the items with their runs. */
  async function claimAndStart(): Promise<{ item: T; running: Promise<void> }[]> {
    const free = options.concurrency - inFlight.size;
    if (free <= 0) return [];
    const claimed = await options.claim(free);
    return claimed.map((item) => {
      const running: Promise<void> = options.run(item).finally(() => inFlight.delete(running));
      inFlight.add(running);
      return { item, running };
    });
  }

  async function runBatch(): Promise<T[]> {
    const started = await claimAndStart();
    await Promise.all(started.map(({ running }) => running));
    return started.map(({ item }) => item);
  }

  let running = false;
  let wakeRequested = false;
  let wakeUp: (() => void) | undefined;
  let loop: Promise<void> | undefined;
  let claimFailures = 0;

  function pause(ms: number | undefined): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    return new Promise<void>((resolve) => {
      wakeUp = resolve;
      if (ms !== undefined) timer = setTimeout(resolve, ms);
      // A slot freeing up is worth a look when the pool was full.
      else void Promise.race(inFlight).then(resolve);
    }).finally(() => {
      clearTimeout(timer);
      wakeUp = undefined;
    });
  }

  async function runLoop(): Promise<void> {
    while (running) {
      wakeRequested = false;
      let claimed = 0;
      let backoff: number | undefined;
      try {
        claimed = (await claimAndStart()).length;
        if (claimFailures > 0) options.claimsAgain?.(claimFailures);
        claimFailures = 0;
      } catch (error) {
        claimFailures++;
        backoff = Math.min(options.maxBackoffMs, options.pollMs * 2 ** claimFailures);
        options.claimFailed(error, claimFailures, backoff);
      }
      if (!running) break;
      if (backoff !== undefined) await pause(backoff);
      else if (inFlight.size >= options.concurrency) await pause(undefined);
      else if (claimed === 0 && !wakeRequested) await pause(options.pollMs);
    }
  }

  const runOnce = async () => (await runBatch()).length;
  return {
    runOnce,
    runBatch,
    async drain() {
      while ((await runOnce()) > 0);
    },
    wake() {
      wakeRequested = true;
      wakeUp?.();
    },
    start() {
      if (running) return;
      running = true;
      loop = runLoop();
    },
    async stop() {
      running = false;
      wakeUp?.();
      await loop;
      await Promise.all(inFlight);
    },
    get inFlight() {
      return inFlight.size;
    },
  };
}
