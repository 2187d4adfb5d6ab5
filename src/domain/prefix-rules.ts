/**
 * The operator's hand on the send guard (the CLI; a console later): block or unblock a prefix, keep numbers
 * and prefixes on the safe list. Each change is a security event, written in its transaction.
 */
import { isClientCode } from './clients.js';
import { DomainError } from './errors.js';
import type { SendGuardPolicy } from './policies.js';
import { EVERY_TENANT, type Clock, type PrefixBlock, type SafeEntry, type Store } from './ports.js';
import type { SecurityEvents } from './security-events.js';
import { isPrefix } from './send-guard.js';

/** An operator's block with no end given lasts until it is lifted. */
export const UNTIL_LIFTED = new Date('9999-12-31T00:00:00Z');

function checked(prefix: string, tenant: string | undefined): { prefix: string; tenant: string } {
  if (!isPrefix(prefix)) {
    throw new DomainError('invalid_request', {
      details: [{ field: '/prefix', problem: 'must be + and 1 to 15 digits, e.g. +98912' }],
    });
  }
  if (tenant !== undefined && !isClientCode(tenant)) {
    throw new DomainError('invalid_request', {
      details: [{ field: '/tenant', problem: 'letters, digits, _ . - only, at most 64' }],
    });
  }
  return { prefix, tenant: tenant ?? EVERY_TENANT };
}

/** Events of every tenant's rules belong to the operator: no client lists them. */
const eventTenant = (tenant: string) => (tenant === EVERY_TENANT ? null : tenant);
const scopeOf = (tenant: string) => (tenant === EVERY_TENANT ? 'every tenant' : `tenant ${tenant}`);

export function createPrefixRules(deps: {
  store: Store;
  clock: Clock;
  policy: SendGuardPolicy;
  events: SecurityEvents;
  /** Told when a block is lifted or a safe entry added, so this node stops refusing at once. */
  onRelaxed?: () => void;
}) {
  const { store, clock, events } = deps;
  const byOperator = { clientId: null, ip: null };

  return {
    /** Blocks a prefix for one tenant or (no tenant) every tenant, for `seconds` or until lifted. */
    async block(input: {
      prefix: string;
      tenant?: string;
      reason: string;
      seconds?: number;
    }): Promise<PrefixBlock> {
      const { prefix, tenant } = checked(input.prefix, input.tenant);
      const now = clock.now();
      const until =
        input.seconds === undefined ? UNTIL_LIFTED : new Date(now.getTime() + input.seconds * 1000);
      return store.transaction(async (tx) => {
        const block = await tx.prefixRules.block(
          { tenant, prefix, blockedUntil: until, source: 'operator', reason: input.reason, blockedAt: now },
          now,
        );
        const ends = until === UNTIL_LIFTED ? 'until lifted' : `until ${until.toISOString()}`;
        await events.within(tx, {
          type: 'prefix_blocked',
          tenant: eventTenant(tenant),
          ...byOperator,
          subject: prefix,
          summary: `${prefix}: blocked by the operator for ${scopeOf(tenant)} ${ends}: ${input.reason}`,
          figures: { prefix, by: 'operator', reason: input.reason, blockedUntil: until.toISOString() },
        });
        return block;
      });
    },

    /**
     * Lifts the blocks on exactly this prefix (one tenant's, or every one's) and forgets its recent counts,
     * so that it sends again; a later block still counts as a repeat.
     */
    async unblock(input: { prefix: string; tenant?: string }): Promise<PrefixBlock[]> {
      const { prefix } = checked(input.prefix, input.tenant);
      const now = clock.now();
      const windowStart = new Date(now.getTime() - deps.policy.windowSeconds * 1000);
      return store
        .transaction(async (tx) => {
          const lifted = await tx.prefixRules.unblock(prefix, input.tenant, windowStart, now);
          for (const block of lifted) {
            await events.within(tx, {
              type: 'prefix_unblocked',
              tenant: eventTenant(block.tenant),
              ...byOperator,
              subject: prefix,
              summary: `${prefix}: unblocked by the operator for ${scopeOf(block.tenant)} (was: ${block.reason})`,
              figures: { prefix, by: 'operator', wasUntil: block.blockedUntil?.toISOString() ?? null },
            });
          }
          return lifted;
        })
        .finally(() => deps.onRelaxed?.());
    },

    /** False when the entry was already there. */
    async addSafe(input: { prefix: string; tenant?: string; note?: string }): Promise<boolean> {
      const { prefix, tenant } = checked(input.prefix, input.tenant);
      const entry: SafeEntry = { tenant, prefix, note: input.note ?? null, createdAt: clock.now() };
      return store
        .transaction(async (tx) => {
          const added = await tx.prefixRules.addSafe(entry);
          if (added) {
            await events.within(tx, {
              type: 'safe_list_changed',
              tenant: eventTenant(tenant),
              ...byOperator,
              subject: prefix,
              summary: `${prefix}: on the safe list for ${scopeOf(tenant)}${input.note ? `: ${input.note}` : ''}`,
              figures: { prefix, change: 'added', note: entry.note },
            });
          }
          return added;
        })
        .finally(() => deps.onRelaxed?.());
    },

    /** False when there was no such entry. */
    async removeSafe(input: { prefix: string; tenant?: string }): Promise<boolean> {
      const { prefix, tenant } = checked(input.prefix, input.tenant);
      return store.transaction(async (tx) => {
        const removed = await tx.prefixRules.removeSafe(tenant, prefix);
        if (removed) {
          await events.within(tx, {
            type: 'safe_list_changed',
            tenant: eventTenant(tenant),
            ...byOperator,
            subject: prefix,
            summary: `${prefix}: off the safe list for ${scopeOf(tenant)}`,
            figures: { prefix, change: 'removed' },
          });
        }
        return removed;
      });
    },

    /** Blocks in force now, and the safe list. */
    list(): Promise<{ blocks: PrefixBlock[]; safe: SafeEntry[] }> {
      return store.prefixRules.list(clock.now());
    },
  };
}

export type PrefixRules = ReturnType<typeof createPrefixRules>;
