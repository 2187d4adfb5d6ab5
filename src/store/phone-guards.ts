import type { Kysely } from 'kysely';
import type { PhoneGuardStore } from '../domain/ports.js';
import type { Database } from './database.js';

export function phoneGuardStore(db: Kysely<Database>): PhoneGuardStore {
  return {
    async lock(phone, now) {
      // One statement: creates the row for a new phone, and DO UPDATE locks it (new or not) until
      // the transaction ends, so sends and checks for one phone queue here.
      const row = await db
        .insertInto('phone_guards')
        .values({ phone, locked_until: null, updated_at: now })
        .onConflict((oc) => oc.column('phone').doUpdateSet({ updated_at: now }))
        .returningAll()
        .executeTakeFirstOrThrow();
      return { phone: row.phone, failedChecks: row.failed_checks, lockedUntil: row.locked_until };
    },
    async save(guard, now) {
      await db
        .updateTable('phone_guards')
        .set({ failed_checks: guard.failedChecks, locked_until: guard.lockedUntil, updated_at: now })
        .where('phone', '=', guard.phone)
        .execute();
    },
  };
}
