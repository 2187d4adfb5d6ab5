/** Signatures the CBSS face has accepted, remembered until their request could no longer be fresh. */
import type { Kysely } from 'kysely';
import type { Database } from './database.js';

export interface CbssUsedSignaturesTable {
  /** Lower-case hex SHA-256. */
  signature: string;
  client_code: string;
  expires_at: Date;
}

const signatures = (db: Kysely<Database>) =>
  db.withTables<{ cbss_used_signatures: CbssUsedSignaturesTable }>();

/**
 * Records a signature as used; false when it already was. The primary key makes this atomic: of two
 * concurrent replays, one is first.
 */
export async function rememberCbssSignature(
  db: Kysely<Database>,
  used: { signature: string; clientCode: string; expiresAt: Date },
): Promise<boolean> {
  const inserted = await signatures(db)
    .insertInto('cbss_used_signatures')
    .values({ signature: used.signature, client_code: used.clientCode, expires_at: used.expiresAt })
    .onConflict((oc) => oc.column('signature').doNothing())
    .returning('signature')
    .executeTakeFirst();
  return inserted !== undefined;
}

export async function forgetExpiredCbssSignatures(db: Kysely<Database>, now: Date): Promise<void> {
  await signatures(db).deleteFrom('cbss_used_signatures').where('expires_at', '<=', now).execute();
}
