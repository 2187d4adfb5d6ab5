/**
 * An in-memory FraudConsole: the port the SMS-pumping guard's store will implement, kept in a map so the
 * console's Fraud and Events pages can be driven before the guard is merged. Not a stand-in for the guard's
 * rules: it only stores what an operator does by hand.
 */
import { randomUUID } from 'node:crypto';
import type {
  BlockedPrefix,
  FraudConsole,
  PageQuery,
  SafeListEntry,
  SecurityEvent,
} from '../../src/domain/admin-ports.js';

function page<T extends { id: string }>(rows: T[], at: (row: T) => Date, query: PageQuery): T[] {
  const sorted = [...rows].sort((a, b) => at(b).getTime() - at(a).getTime() || b.id.localeCompare(a.id));
  const after = query.after;
  const start =
    after === undefined
      ? 0
      : sorted.findIndex(
          (row) => at(row) < after.at || (at(row).getTime() === after.at.getTime() && row.id < after.id),
        );
  return start < 0 ? [] : sorted.slice(start, start + query.limit);
}

export function memoryFraudConsole(events: SecurityEvent[] = []): FraudConsole {
  const blocked = new Map<string, BlockedPrefix & { id: string }>();
  const safe = new Map<string, SafeListEntry & { id: string }>();
  return {
    async blockedPrefixes(query) {
      return page([...blocked.values()], (row) => row.blockedAt, query);
    },
    async block(prefix, reason, now) {
      const row = {
        id: randomUUID(),
        prefix,
        reason,
        source: 'operator',
        figures: {},
        blockedAt: now,
        until: null,
      };
      blocked.set(prefix, row);
      return row;
    },
    async unblock(prefix) {
      return blocked.delete(prefix);
    },
    async safeList(query) {
      return page([...safe.values()], (row) => row.addedAt, query);
    },
    async addSafe(prefix, note, now) {
      const row = { id: randomUUID(), prefix, note, addedAt: now };
      safe.set(prefix, row);
      return row;
    },
    async removeSafe(prefix) {
      return safe.delete(prefix);
    },
    async events(filter, query) {
      const matching = events.filter(
        (event) =>
          (filter.type === undefined || event.type === filter.type) &&
          (filter.phoneDigits === undefined || (event.phone ?? '').startsWith(`+${filter.phoneDigits}`)),
      );
      return page(matching, (row) => row.at, query);
    },
  };
}
