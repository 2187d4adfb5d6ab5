/** In-memory fakes of the domain's ports: the rules run on them without HTTP or SQL. */
import type {
  LoginSession,
  LoginSessionStore,
  PasswordBudget,
  PasswordBudgetStore,
  RequestClaimStore,
  ServiceStore,
  StoredReply,
  UsedTokenStore,
} from '../../src/domain/ports.js';
import type { ServicesStore } from '../../src/domain/services.js';
import type { VerifyService } from '../../src/domain/types.js';

export class FakeClock {
  constructor(private current = new Date('2026-12-01T10:00:00Z')) {}
  now = () => new Date(this.current);
  advance(ms: number): void {
    this.current = new Date(this.current.getTime() + ms);
  }
}

/** Budgets in a map; a transaction runs its work as it is (one caller at a time in these tests). */
export function fakePasswordBudgets() {
  const rows = new Map<string, PasswordBudget>();
  const passwordBudgets: PasswordBudgetStore = {
    async lock(subject) {
      const row = rows.get(subject) ?? { failures: 0, locks: 0, lockedUntil: null };
      rows.set(subject, row);
      return { ...row };
    },
    async save(subject, budget) {
      rows.set(subject, { ...budget });
    },
  };
  return {
    rows,
    passwordBudgets,
    transaction: <T>(work: (tx: { passwordBudgets: PasswordBudgetStore }) => Promise<T>) =>
      work({ passwordBudgets }),
  };
}

export function fakeLoginSessions() {
  const rows: (LoginSession & { clientCode: string; createdAt: Date; expiresAt: Date })[] = [];
  const sessions: LoginSessionStore = {
    async insert(session) {
      rows.push({ ...session, createdAt: session.now });
    },
    async live(query) {
      return rows
        .filter((row) => row.clientCode === query.clientCode && row.expiresAt > query.now)
        .filter((row) => query.customerId === undefined || row.customerId === query.customerId)
        .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime())
        .slice(0, query.limit)
        .map(({ customerId, loginSalt }) => ({ customerId, loginSalt }));
    },
    async deleteExpired(now) {
      for (let i = rows.length - 1; i >= 0; i--) if ((rows[i]?.expiresAt ?? now) <= now) rows.splice(i, 1);
    },
  };
  const used = new Map<string, Date>();
  const usedTokens: UsedTokenStore = {
    async remember({ token, expiresAt }) {
      if (used.has(token)) return false;
      used.set(token, expiresAt);
      return true;
    },
    async forgetExpired(now) {
      for (const [token, expiresAt] of used) if (expiresAt <= now) used.delete(token);
    },
  };
  return { rows, sessions, usedTokens };
}

export function fakeRequestClaims(): RequestClaimStore {
  const claims = new Map<string, { fingerprint: string; reply: StoredReply | null; claimedAt: Date }>();
  const keyOf = (key: { scope: string; requestId: string }) => `${key.scope}\n${key.requestId}`;
  return {
    async claim(key, at) {
      const found = claims.get(keyOf(key));
      const free =
        found === undefined ||
        found.claimedAt < at.expiredBefore ||
        (found.reply === null && found.claimedAt < at.abandonedBefore);
      if (free) claims.set(keyOf(key), { fingerprint: key.fingerprint, reply: null, claimedAt: at.now });
      return free;
    },
    async find(key, expiredBefore) {
      const found = claims.get(keyOf(key));
      return found === undefined || found.claimedAt < expiredBefore ? undefined : found;
    },
    async complete(key, reply) {
      const found = claims.get(keyOf(key));
      if (found !== undefined) found.reply = reply;
    },
    async release(key) {
      if (claims.get(keyOf(key))?.reply === null) claims.delete(keyOf(key));
    },
    async purge(expiredBefore) {
      for (const [key, claim] of claims) if (claim.claimedAt < expiredBefore) claims.delete(key);
    },
  };
}

/** Services in a map, with the pending verifications a deletion cancels and the texts it retires. */
export function fakeServices() {
  const rows = new Map<string, VerifyService>();
  const pendingByService = new Map<string, string[]>();
  const retired: string[] = [];
  const services: ServiceStore = {
    async insert(service) {
      rows.set(service.id, { ...service });
      return { ...service };
    },
    async find(tenant, id) {
      const found = rows.get(id);
      return found?.tenant === tenant ? { ...found } : undefined;
    },
    async update(tenant, id, patch, now) {
      const found = rows.get(id);
      if (found?.tenant !== tenant) return undefined;
      const defined = Object.fromEntries(Object.entries(patch).filter(([, value]) => value !== undefined));
      const updated = { ...found, ...defined, updatedAt: now };
      rows.set(id, updated);
      return { ...updated };
    },
    async list(tenant, afterId, limit) {
      return [...rows.values()]
        .filter((row) => row.tenant === tenant && (afterId === null || row.id > afterId))
        .sort((a, b) => (a.id < b.id ? -1 : 1))
        .slice(0, limit);
    },
    async delete(tenant, id) {
      return rows.get(id)?.tenant === tenant && rows.delete(id);
    },
  };
  const store: ServicesStore = {
    services,
    verifications: {
      async cancelPendingOfService(serviceId) {
        const ids = pendingByService.get(serviceId) ?? [];
        pendingByService.delete(serviceId);
        return ids;
      },
    },
    messages: {
      async retireQueuedOtps(ids) {
        retired.push(...ids);
      },
    },
    transaction: (work) => work(store),
  };
  return { rows, pendingByService, retired, store };
}
