/** Signatures the CBSS face has accepted, remembered until their request could no longer be fresh. */
import type { Kysely } from 'kysely';
import type { UsedTokenStore } from '../domain/ports.js';
import type { Database } from './database.js';

export interface CbssUsedSignaturesTable {
  /** Lower-case hex SHA-256. */
  signature: string;
  client_code: string;
  expires_at: Date;
}

export function usedTokenStore(database: Kysely<Database>): UsedTokenStore {
  const db = database.withTables<{ cbss_used_signatures: CbssUsedSignaturesTable }>();
  return {
    async remember(used) {
      // The primary key makes this atomic: of two concurrent replays, one is first.
      const inserted = await db
        .insertInto('cbss_used_signatures')
        .values({ signature: used.token, client_code: used.scope, expires_at: used.expiresAt })
        .onConflict((oc) => oc.column('signature').doNothing())
        .returning('signature')
        .executeTakeFirst();
      return inserted !== undefined;
    },
    async forgetExpired(now) {
      await db.deleteFrom('cbss_used_signatures').where('expires_at', '<=', now).execute();
    },
  };
}
