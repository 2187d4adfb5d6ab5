/**
 * The console's Fraud and Events pages over the SMS-pumping guard: the blocks in force (the guard's and the
 * operators'), the safe list, and every tenant's security events. Changes go through the prefix rules, so a
 * block or an unblock from the console is the same rule, with the same event, as one from the CLI.
 */
import { createHash } from 'node:crypto';
import type { BlockedPrefix, FraudConsole, ListPosition, PageQuery, SafeListEntry } from './admin-ports.js';
import { EVERY_TENANT, type Clock, type PrefixBlock, type SafeEntry, type Store } from './ports.js';
import { UNTIL_LIFTED, type createPrefixRules } from './prefix-rules.js';

type PrefixRules = ReturnType<typeof createPrefixRules>;

/**
 * One id per rule (a prefix may be blocked, or safe, for every tenant and for some tenants apart), in the
 * letters a list's cursor carries.
 */
const idOf = (rule: { tenant: string; prefix: string }) =>
  createHash('sha256').update(`${rule.tenant}/${rule.prefix}`).digest('hex').slice(0, 32);

function blockOf(block: PrefixBlock): BlockedPrefix & { id: string } {
  const until = block.blockedUntil === null || block.blockedUntil >= UNTIL_LIFTED ? null : block.blockedUntil;
  return {
    id: idOf(block),
    prefix: block.prefix,
    // The guard's reason carries its figures in words ("21 sent, 0 approved in 41 min"); a tenant's own block
    // says whose it is.
    reason: block.tenant === EVERY_TENANT ? block.reason : `${block.reason} (tenant ${block.tenant})`,
    source: block.source,
    figures: { repeats: block.repeats },
    blockedAt: block.blockedAt,
    until,
  };
}

function safeOf(entry: SafeEntry): SafeListEntry & { id: string } {
  return {
    id: idOf(entry),
    prefix: entry.prefix,
    note: entry.tenant === EVERY_TENANT ? entry.note : `${entry.note ?? ''} (tenant ${entry.tenant})`.trim(),
    addedAt: entry.createdAt,
  };
}

/** Newest first, after the position: the lists are a few rows (rules in force), paged here. */
function pageOf<T extends { id: string }>(rows: T[], at: (row: T) => Date, query: PageQuery): T[] {
  const after: ListPosition | undefined = query.after;
  return rows
    .sort((a, b) => at(b).getTime() - at(a).getTime() || b.id.localeCompare(a.id))
    .filter(
      (row) =>
        after === undefined ||
        at(row) < after.at ||
        (at(row).getTime() === after.at.getTime() && row.id < after.id),
    )
    .slice(0, query.limit);
}

/** Figures as the console shows them: numbers and strings, anything else in JSON. */
function shownFigures(figures: Record<string, unknown>): Record<string, number | string> {
  return Object.fromEntries(
    Object.entries(figures)
      .filter(([, value]) => value !== null && value !== undefined)
      .map(([name, value]) => [
        name,
        typeof value === 'number' || typeof value === 'string' ? value : JSON.stringify(value),
      ]),
  );
}

export function createFraudConsole(deps: { store: Store; rules: PrefixRules; clock: Clock }): FraudConsole {
  const { store, rules, clock } = deps;
  return {
    async blockedPrefixes(query) {
      const { blocks } = await store.prefixRules.list(clock.now());
      return pageOf(blocks.map(blockOf), (row) => row.blockedAt, query);
    },

    async block(prefix, reason) {
      // The console blocks for every tenant until an operator lifts it, as the CLI does without --tenant.
      return blockOf(await rules.block({ prefix, reason }));
    },

    async unblock(prefix) {
      return (await rules.unblock({ prefix })).length > 0;
    },

    async safeList(query) {
      const { safe } = await store.prefixRules.list(clock.now());
      return pageOf(safe.map(safeOf), (row) => row.addedAt, query);
    },

    async addSafe(prefix, note) {
      await rules.addSafe({ prefix, note: note ?? undefined });
      const { safe } = await store.prefixRules.list(clock.now());
      const entry = safe.find((row) => row.tenant === EVERY_TENANT && row.prefix === prefix);
      return safeOf(entry ?? { tenant: EVERY_TENANT, prefix, note, createdAt: clock.now() });
    },

    async removeSafe(prefix) {
      return rules.removeSafe({ prefix });
    },

    async events(filter, query) {
      const rows = await store.securityEvents.listForOperator({
        type: filter.type,
        subjectPrefix: filter.phoneDigits === undefined ? undefined : `+${filter.phoneDigits}`,
        from: filter.period?.from,
        to: filter.period?.to,
        before: query.after,
        limit: query.limit,
      });
      return rows.map((row) => ({
        id: row.id,
        at: row.at,
        type: row.type,
        subject: row.subject,
        clientCode: row.clientCode,
        tenant: row.tenant,
        summary: row.summary,
        figures: shownFigures(row.figures),
      }));
    },
  };
}
