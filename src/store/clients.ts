import type { Kysely } from 'kysely';
import type { ClientStore } from '../domain/ports.js';
import type { Database } from './database.js';

export function clientStore(db: Kysely<Database>): ClientStore {
  return {
    async findByKeyHash(keyHash) {
      return db
        .selectFrom('api_clients')
        .select(['id', 'code', 'name', 'active'])
        .where('key_hash', '=', keyHash)
        .executeTakeFirst();
    },
    async findByCode(code) {
      return db
        .selectFrom('api_clients')
        .select(['id', 'code', 'name', 'active', 'key_sealed as keySealed'])
        .where('code', '=', code)
        .executeTakeFirst();
    },
    async upsert(c) {
      return db
        .insertInto('api_clients')
        .values({
          id: c.id,
          code: c.code,
          name: c.name,
          key_hash: c.keyHash,
          key_sealed: c.keySealed,
          created_at: c.now,
          updated_at: c.now,
        })
        .onConflict((oc) =>
          oc
            .column('code')
            .doUpdateSet({ key_hash: c.keyHash, key_sealed: c.keySealed, active: true, updated_at: c.now }),
        )
        .returning(['id', 'code', 'name', 'active'])
        .executeTakeFirstOrThrow();
    },
  };
}
