import type { Kysely } from 'kysely';
import type { PhoneGuardStore } from '../domain/ports.js';
import type { Database } from './database.js';

export function phoneGuardStore(db: Kysely<Database>): PhoneGuardStore {
  return {
    async lock(phone, now) {
      // Insert-or-touch then SELECT ... FOR UPDATE: the row exists for every phone we act on,
      // and the lock holds until the transaction ends.
      await db
        .insertInto('phone_guards')
        .values({ phone, locked_until: null, updated_at: now })
        .onConflict((oc) => oc.column('phone').doNothing())
        .execute();
      const row = await db
        .selectFrom('phone_guards')
        .selectAll()
        .where('phone', '=', phone)
        .forUpdate()
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
