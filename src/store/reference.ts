import type { Kysely } from 'kysely';
import type { ReferenceStore } from '../domain/ports.js';
import type { Database } from './database.js';

export function referenceStore(db: Kysely<Database>): ReferenceStore {
  return {
    async countries() {
      return db
        .selectFrom('countries')
        .select([
          'id',
          'alpha2',
          'alpha3',
          'calling_code as callingCode',
          'name_en as nameEn',
          'name_ar as nameAr',
        ])
        .orderBy('id')
        .execute();
    },
    async emirates() {
      return db
        .selectFrom('emirates')
        .select(['id', 'name_en as nameEn', 'name_ar as nameAr'])
        .orderBy('id')
        .execute();
    },
  };
}
