import type { Kysely } from 'kysely';
import type { PasswordBudgetStore } from '../domain/ports.js';
import type { Database } from './database.js';

export function passwordBudgetStore(db: Kysely<Database>): PasswordBudgetStore {
  return {
    async lock(subject, now) {
      // One statement: creates the row for a new subject, and DO UPDATE locks it until the transaction ends.
      const row = await db
        .insertInto('password_budgets')
        .values({ subject, locked_until: null, updated_at: now })
        .onConflict((oc) => oc.column('subject').doUpdateSet({ updated_at: now }))
        .returning(['failures', 'locks', 'locked_until'])
        .executeTakeFirstOrThrow();
      return { failures: row.failures, locks: row.locks, lockedUntil: row.locked_until };
    },
    async save(subject, budget, now) {
      await db
        .updateTable('password_budgets')
        .set({
          failures: budget.failures,
          locks: budget.locks,
          locked_until: budget.lockedUntil,
          updated_at: now,
        })
        .where('subject', '=', subject)
        .execute();
    },
  };
}
