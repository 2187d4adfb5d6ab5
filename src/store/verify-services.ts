import type { Kysely } from 'kysely';
import type { ServiceStore } from '../domain/ports.js';
import type { VerifyService } from '../domain/types.js';
import type { Database } from './database.js';

const SERVICE = [
  'id',
  'tenant',
  'friendly_name as friendlyName',
  'code_length as codeLength',
  'custom_code_enabled as customCodeEnabled',
  'created_at as createdAt',
  'updated_at as updatedAt',
] as const;

export function serviceStore(db: Kysely<Database>): ServiceStore {
  return {
    async insert(service: VerifyService) {
      return db
        .insertInto('verify_services')
        .values({
          id: service.id,
          tenant: service.tenant,
          friendly_name: service.friendlyName,
          code_length: service.codeLength,
          custom_code_enabled: service.customCodeEnabled,
          created_at: service.createdAt,
          updated_at: service.updatedAt,
        })
        .returning(SERVICE)
        .executeTakeFirstOrThrow();
    },
    async find(tenant, id) {
      return db
        .selectFrom('verify_services')
        .select(SERVICE)
        .where('id', '=', id)
        .where('tenant', '=', tenant)
        .executeTakeFirst();
    },
    async update(tenant, id, patch, now) {
      return db
        .updateTable('verify_services')
        .set({
          updated_at: now,
          ...(patch.friendlyName === undefined ? {} : { friendly_name: patch.friendlyName }),
          ...(patch.codeLength === undefined ? {} : { code_length: patch.codeLength }),
          ...(patch.customCodeEnabled === undefined ? {} : { custom_code_enabled: patch.customCodeEnabled }),
        })
        .where('id', '=', id)
        .where('tenant', '=', tenant)
        .returning(SERVICE)
        .executeTakeFirst();
    },
    async list(tenant, afterId, limit) {
      let query = db.selectFrom('verify_services').select(SERVICE).where('tenant', '=', tenant);
      if (afterId !== null) query = query.where('id', '>', afterId);
      return query.orderBy('id').limit(limit).execute();
    },
    async delete(tenant, id) {
      const result = await db
        .deleteFrom('verify_services')
        .where('id', '=', id)
        .where('tenant', '=', tenant)
        .executeTakeFirst();
      return Number(result.numDeletedRows) === 1;
    },
  };
}
