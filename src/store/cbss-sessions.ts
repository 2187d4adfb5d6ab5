/** CBSS login sessions: the salt a customer's signed requests are keyed with, per client, until it expires. */
import type { Kysely } from 'kysely';
import type { Database } from './database.js';

export interface CbssSessionsTable {
  id: string;
  client_code: string;
  customer_id: string;
  /** Not a secret from the client (it is handed out at login); useless without the client's key. */
  login_salt: string;
  created_at: Date;
  expires_at: Date;
}

export interface CbssSession {
  customerId: string;
  loginSalt: string;
}

const sessions = (db: Kysely<Database>) => db.withTables<{ cbss_sessions: CbssSessionsTable }>();

export async function insertCbssSession(
  db: Kysely<Database>,
  session: {
    id: string;
    clientCode: string;
    customerId: string;
    loginSalt: string;
    now: Date;
    expiresAt: Date;
  },
): Promise<void> {
  await sessions(db)
    .insertInto('cbss_sessions')
    .values({
      id: session.id,
      client_code: session.clientCode,
      customer_id: session.customerId,
      login_salt: session.loginSalt,
      created_at: session.now,
      expires_at: session.expiresAt,
    })
    .execute();
}

/** A client's unexpired sessions, newest first, of one customer when one is named. */
export async function liveCbssSessions(
  db: Kysely<Database>,
  query: { clientCode: string; customerId?: string; now: Date; limit: number },
): Promise<CbssSession[]> {
  const rows = await sessions(db)
    .selectFrom('cbss_sessions')
    .select(['customer_id', 'login_salt'])
    .where('client_code', '=', query.clientCode)
    .$if(query.customerId !== undefined, (q) => q.where('customer_id', '=', query.customerId ?? ''))
    .where('expires_at', '>', query.now)
    .orderBy('created_at', 'desc')
    .limit(query.limit)
    .execute();
  return rows.map((row) => ({ customerId: row.customer_id, loginSalt: row.login_salt }));
}

export async function deleteExpiredCbssSessions(db: Kysely<Database>, now: Date): Promise<void> {
  await sessions(db).deleteFrom('cbss_sessions').where('expires_at', '<=', now).execute();
}
