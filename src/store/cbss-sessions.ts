/** Login sessions (CBSS): the salt a customer's signed requests are keyed with, per client, until it expires. */
import type { Kysely } from 'kysely';
import type { LoginSessionStore } from '../domain/ports.js';
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

export function loginSessionStore(db: Kysely<Database>): LoginSessionStore {
  const sessions = db.withTables<{ cbss_sessions: CbssSessionsTable }>();
  return {
    async insert(session) {
      await sessions
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
    },
    async live(query) {
      const rows = await sessions
        .selectFrom('cbss_sessions')
        .select(['customer_id', 'login_salt'])
        .where('client_code', '=', query.clientCode)
        .$if(query.customerId !== undefined, (q) => q.where('customer_id', '=', query.customerId ?? ''))
        .where('expires_at', '>', query.now)
        .orderBy('created_at', 'desc')
        .limit(query.limit)
        .execute();
      return rows.map((row) => ({ customerId: row.customer_id, loginSalt: row.login_salt }));
    },
    async deleteExpired(now) {
      await sessions.deleteFrom('cbss_sessions').where('expires_at', '<=', now).execute();
    },
  };
}
