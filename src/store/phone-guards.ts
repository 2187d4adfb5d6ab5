import { sql, type Kysely } from 'kysely';
import {
  ALL_TENANTS,
  type AdmissionRefusal,
  type PhoneGuard,
  type PhoneGuardStore,
} from '../domain/ports.js';
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

/** otp_admit's answer ({} or a refusal) as the domain reads it; jsonb may come back as text from a driver. */
export function toAdmission(value: unknown): AdmissionRefusal | undefined {
  const answer = (typeof value === 'string' ? JSON.parse(value) : value) as {
    refused?: string;
    until?: string;
    oldest?: string | null;
  };
  if (answer.refused === 'phone_locked')
    return { refused: 'phone_locked', until: new Date(String(answer.until)) };
  if (answer.refused === 'too_many_sends') {
    return { refused: 'too_many_sends', oldest: answer.oldest ? new Date(answer.oldest) : null };
  }
  return undefined;
}

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
    async admit(phone, tenant, now, window) {
      const { rows } = await sql<{ admitted: unknown }>`
        SELECT otp_admit(${phone}, ${tenant}, ${ALL_TENANTS}, ${now}::timestamptz,
          ${window === null ? null : JSON.stringify(window)}::jsonb) AS admitted`.execute(db);
      return toAdmission(rows[0]?.admitted);
    },
  };
}
