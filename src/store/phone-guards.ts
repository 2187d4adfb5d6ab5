import { sql, type Kysely } from 'kysely';
import { ALL_TENANTS, type PhoneGuard, type PhoneGuardStore } from '../domain/ports.js';
import type { Database } from './database.js';

interface GuardRow {
  phone: string;
  tenant: string;
  failed_checks: number;
  locked_until: Date | null;
  window_started_at: Date | null;
}

const toGuard = (row: GuardRow): PhoneGuard => ({
  phone: row.phone,
  tenant: row.tenant,
  failedChecks: row.failed_checks,
  lockedUntil: row.locked_until,
  windowStartedAt: row.window_started_at,
});

export function phoneGuardStore(db: Kysely<Database>): PhoneGuardStore {
  return {
    async lock(phone, tenant, now) {
      // One statement: creates both rows if needed, and DO UPDATE locks them (new or not) until the
      // transaction ends. Every caller locks its tenant's row before the shared one, so no two wait on
      // each other in opposite order.
      const { rows } = await sql<GuardRow>`
        INSERT INTO phone_guards (phone, tenant, locked_until, updated_at)
        VALUES (${phone}, ${tenant}, NULL, ${now}), (${phone}, ${ALL_TENANTS}, NULL, ${now})
        ON CONFLICT (phone, tenant) DO UPDATE SET updated_at = EXCLUDED.updated_at
        RETURNING phone, tenant, failed_checks, locked_until, window_started_at`.execute(db);
      const own = rows.find((row) => row.tenant === tenant);
      const all = rows.find((row) => row.tenant === ALL_TENANTS);
      if (own === undefined || all === undefined) throw new Error('phone guard rows were not returned');
      return { tenant: toGuard(own), allTenants: toGuard(all) };
    },
    async save(guard, now) {
      await db
        .updateTable('phone_guards')
        .set({
          failed_checks: guard.failedChecks,
          locked_until: guard.lockedUntil,
          window_started_at: guard.windowStartedAt,
          updated_at: now,
        })
        .where('phone', '=', guard.phone)
        .where('tenant', '=', guard.tenant)
        .execute();
    },
  };
}
