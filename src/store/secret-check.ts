/** The secret_check row: kept once, by whichever node gets there first. */
import type { Kysely } from 'kysely';
import type { SecretCheckStore } from '../domain/secret-check.js';
import type { Database } from './database.js';

export function secretCheckStore(db: Kysely<Database>): SecretCheckStore {
  return {
    async keepSecretCheck(value) {
      await db
        .insertInto('secret_check')
        .values({ id: 1, value })
        .onConflict((conflict) => conflict.column('id').doNothing())
        .execute();
      const kept = await db
        .selectFrom('secret_check')
        .select('value')
        .where('id', '=', 1)
        .executeTakeFirstOrThrow();
      return kept.value;
    },
    async anySealedKey() {
      const row = await db
        .selectFrom('api_clients')
        .select('key_sealed')
        .where('key_sealed', 'is not', null)
        .limit(1)
        .executeTakeFirst();
      return row?.key_sealed ?? undefined;
    },
  };
}
