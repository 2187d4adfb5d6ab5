import type { Kysely } from 'kysely';
import type { ClientRegistryStore } from '../domain/clients.js';
import type { ClientStore, NewClient } from '../domain/ports.js';
import type { Database } from './database.js';
import { secretCheckStore } from './secret-check.js';

const CLIENT = ['id', 'code', 'name', 'tenant', 'active'] as const;

function clientRow(c: NewClient) {
  return {
    id: c.id,
    code: c.code,
    name: c.name,
    tenant: c.tenant,
    key_hash: c.keyHash,
    key_sealed: c.keySealed,
    created_at: c.now,
    updated_at: c.now,
  };
}

export function clientStore(db: Kysely<Database>): ClientStore {
  return {
    async findByKeyHash(keyHash) {
      return db.selectFrom('api_clients').select(CLIENT).where('key_hash', '=', keyHash).executeTakeFirst();
    },
    async findByCode(code) {
      return db
        .selectFrom('api_clients')
        .select([...CLIENT, 'key_sealed as keySealed'])
        .where('code', '=', code)
        .executeTakeFirst();
    },
    async upsert(c) {
      return db
        .insertInto('api_clients')
        .values(clientRow(c))
        .onConflict((oc) =>
          oc.column('code').doUpdateSet({
            key_hash: c.keyHash,
            key_sealed: c.keySealed,
            tenant: c.tenant,
            updated_at: c.now,
          }),
        )
        .returning(CLIENT)
        .executeTakeFirstOrThrow();
    },
  };
}

export function clientRegistryStore(db: Kysely<Database>): ClientRegistryStore {
  return {
    ...secretCheckStore(db),
    async insert(c) {
      return db
        .insertInto('api_clients')
        .values(clientRow(c))
        .onConflict((oc) => oc.column('code').doNothing())
        .returning(CLIENT)
        .executeTakeFirst();
    },
    async replaceKey(code, key, now) {
      return db
        .updateTable('api_clients')
        .set({ key_hash: key.keyHash, key_sealed: key.keySealed, updated_at: now })
        .where('code', '=', code)
        .returning(CLIENT)
        .executeTakeFirst();
    },
    async setActive(code, active, now) {
      return db
        .updateTable('api_clients')
        .set({ active, updated_at: now })
        .where('code', '=', code)
        .returning(CLIENT)
        .executeTakeFirst();
    },
    async list() {
      return db
        .selectFrom('api_clients')
        .select([...CLIENT, 'created_at as createdAt', 'updated_at as updatedAt'])
        .orderBy('code')
        .execute();
    },
  };
}
