/**
 * Security events: limit hits, guard decisions, blocks lifted, failed checks and lock-outs, passwords and
 * signatures refused, phones changed. A change that commits writes its event in the same transaction; a
 * refusal (whose transaction rolls back) writes it on its own, after, without the request waiting for it.
 */
import type { Clock, SecurityEvent, SecurityEventRecord, SecurityEventStore, Store } from './ports.js';
import type { Caller } from './types.js';

/** A refusal of one kind and subject is written at most once in this long per node: a flood writes one row. */
export const REPEAT_EVENT_MS = 60_000;
const THROTTLE_MAX = 10_000;

/** The who of an event, from the caller that caused it. */
export function whoOf(caller: Caller): Pick<SecurityEvent, 'tenant' | 'clientId' | 'ip'> {
  return { tenant: caller.tenant, clientId: caller.clientId, ip: caller.ip ?? null };
}

export interface EventPage {
  events: SecurityEventRecord[];
  next: string | null;
}

export function createSecurityEvents(deps: {
  store: SecurityEventStore;
  clock: Clock;
  /** Told when a detached write fails (the log): an event is never worth failing a request for. */
  onWriteFailed?: (error: unknown) => void;
}) {
  const pending = new Set<Promise<void>>();
  const throttle = new Map<string, { until: number; repeated: number }>();

  function write(event: SecurityEvent): void {
    const written = deps.store
      .insert(event, deps.clock.now())
      .catch((error: unknown) => deps.onWriteFailed?.(error))
      .finally(() => pending.delete(written));
    pending.add(written);
  }

  return {
    /** In the caller's transaction: the event commits with the change it tells of. */
    within(tx: Store, event: SecurityEvent): Promise<void> {
      return tx.securityEvents.insert(event, deps.clock.now());
    },

    /**
     * On its own statement, not awaited (a refusal's transaction is gone). Events with the same `repeatKey`
     * within REPEAT_EVENT_MS are counted, not written: the next one written says how many it stands for.
     */
    detached(event: SecurityEvent, repeatKey?: string): void {
      if (repeatKey === undefined) return write(event);
      const now = deps.clock.now().getTime();
      const seen = throttle.get(repeatKey);
      if (seen !== undefined && seen.until > now) {
        seen.repeated += 1;
        return;
      }
      if (throttle.size >= THROTTLE_MAX) throttle.clear();
      throttle.set(repeatKey, { until: now + REPEAT_EVENT_MS, repeated: 0 });
      const repeated = seen?.repeated ?? 0;
      write(repeated === 0 ? event : { ...event, figures: { ...event.figures, repeatedBefore: repeated } });
    },

    /** Resolves once every detached write so far has ended (tests; a closing app). */
    async settled(): Promise<void> {
      while (pending.size > 0) await Promise.allSettled([...pending]);
    },

    /** A tenant's events, oldest first, after the cursor. */
    async list(
      tenant: string,
      query: { type?: string; since?: Date; cursor?: string; limit: number },
    ): Promise<EventPage> {
      const events = await deps.store.list({
        tenant,
        type: query.type,
        since: query.since,
        afterId: query.cursor,
        limit: query.limit,
      });
      return { events, next: events.length === query.limit ? (events.at(-1)?.id ?? null) : null };
    },
  };
}

export type SecurityEvents = ReturnType<typeof createSecurityEvents>;
