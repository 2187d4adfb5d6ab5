import type { Kysely } from 'kysely';
import type { ClientRegistryStore } from '../domain/clients.js';
import type { ClientStore, NewClient } from '../domain/ports.js';
import type { Database } from './database.js';
import { secretCheckStore } from './secret-check.js';

const CLIENT = ['id', 'code', 'name', 'tenant', 'active', 'sms_countries'] as const;

/** The stored list ('AE,SA') as the domain reads it; null: SMS_COUNTRIES. */
function toClient<T extends { sms_countries: string | null }>(row: T) {
  const { sms_countries, ...rest } = row;
  return { ...rest, smsCountries: sms_countries === null ? null : sms_countries.split(',') };
}
const toFound = <T extends { sms_countries: string | null }>(row: T | undefined) =>
  row === undefined ? undefined : toClient(row);

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
      return toFound(
        await db.selectFrom('api_clients').select(CLIENT).where('key_hash', '=', keyHash).executeTakeFirst(),
      );
    },
    async findByCode(code) {
      return toFound(
        await db
          .selectFrom('api_clients')
          .select([...CLIENT, 'key_sealed as keySealed'])
          .where('code', '=', code)
          .executeTakeFirst(),
      );
    },
    async upsert(c) {
      const row = await db
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
      return toClient(row);
    },
  };
}

export function clientRegistryStore(db: Kysely<Database>): ClientRegistryStore {
  return {
    ...secretCheckStore(db),
    async insert(c) {
      return toFound(
        await db
          .insertInto('api_clients')
          .values({ ...clientRow(c), sms_countries: c.smsCountries?.join(',') ?? null })
          .onConflict((oc) => oc.column('code').doNothing())
          .returning(CLIENT)
          .executeTakeFirst(),
      );
    },
    async replaceKey(code, key, now) {
      return toFound(
        await db
          .updateTable('api_clients')
          .set({ key_hash: key.keyHash, key_sealed: key.keySealed, updated_at: now })
          .where('code', '=', code)
          .returning(CLIENT)
          .executeTakeFirst(),
      );
    },
    async setActive(code, active, now) {
      return toFound(
        await db
          .updateTable('api_clients')
          .set({ active, updated_at: now })
          .where('code', '=', code)
          .returning(CLIENT)
          .executeTakeFirst(),
      );
    },
    async setCountries(code, countries, now) {
      return toFound(
        await db
          .updateTable('api_clients')
          .set({ sms_countries: countries?.join(',') ?? null, updated_at: now })
          .where('code', '=', code)
          .returning(CLIENT)
          .executeTakeFirst(),
      );
    },
    async list() {
      const rows = await db
        .selectFrom('api_clients')
        .select([...CLIENT, 'created_at as createdAt', 'updated_at as updatedAt'])
        .orderBy('code')
        .execute();
      return rows.map(toClient);
    },
  };
}
