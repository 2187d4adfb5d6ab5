/**
 * Queries of request_claims: the first reply to each (scope, request id), so a repeated request is answered
 * from here and runs once (menu.app's X-Request-ID, the native Idempotency-Key). SQL only; the rules are in
 * domain/idempotency.ts.
 */
import type { ColumnType, Kysely } from 'kysely';
import type { RequestClaimStore } from '../domain/ports.js';
import type { Database } from './database.js';

type Timestamp = ColumnType<Date, Date, Date>;

/** Outside the shared Database interface: only this file reads it. */
interface RequestClaimsTable {
  client_scope: string;
  request_id: string;
  fingerprint: string;
  status_code: number | null;
  /** JSON object of the reply's kept headers. */
  headers: string | null;
  body: string | null;
  claimed_at: Timestamp;
  completed_at: Timestamp | null;
}

export function requestClaimStore(database: Kysely<Database>): RequestClaimStore {
  const db = database.withTables<{ request_claims: RequestClaimsTable }>();
  return {
    async claim(key, at) {
      const claimed = await db
        .insertInto('request_claims')
        .values({
          client_scope: key.scope,
          request_id: key.requestId,
          fingerprint: key.fingerprint,
          status_code: null,
          headers: null,
          body: null,
          claimed_at: at.now,
          completed_at: null,
        })
        .onConflict((conflict) =>
          conflict
            .columns(['client_scope', 'request_id'])
            .doUpdateSet((eb) => ({
              fingerprint: eb.ref('excluded.fingerprint'),
              status_code: null,
              headers: null,
              body: null,
              claimed_at: eb.ref('excluded.claimed_at'),
              completed_at: null,
            }))
            .where((eb) =>
              eb.or([
                eb('request_claims.claimed_at', '<', at.expiredBefore),
                eb.and([
                  eb('request_claims.completed_at', 'is', null),
                  eb('request_claims.claimed_at', '<', at.abandonedBefore),
                ]),
              ]),
            ),
        )
        .returning('request_id')
        .executeTakeFirst();
      return claimed !== undefined;
    },

    async find(key, expiredBefore) {
      const found = await db
        .selectFrom('request_claims')
        .select(['fingerprint', 'status_code', 'headers', 'body'])
        .where('client_scope', '=', key.scope)
        .where('request_id', '=', key.requestId)
        .where('claimed_at', '>=', expiredBefore)
        .executeTakeFirst();
      if (found === undefined) return undefined;
      const { fingerprint, status_code: statusCode, headers, body } = found;
      return {
        fingerprint,
        reply:
          statusCode === null || headers === null || body === null
            ? null
            : { statusCode, headers: JSON.parse(headers) as Record<string, string>, body },
      };
    },

    async complete(key, reply, now) {
      await db
        .updateTable('request_claims')
        .set({
          status_code: reply.statusCode,
          headers: JSON.stringify(reply.headers),
          body: reply.body,
          completed_at: now,
        })
        .where('client_scope', '=', key.scope)
        .where('request_id', '=', key.requestId)
        .execute();
    },

    async release(key) {
      await db
        .deleteFrom('request_claims')
        .where('client_scope', '=', key.scope)
        .where('request_id', '=', key.requestId)
        .where('completed_at', 'is', null)
        .execute();
    },

    async purge(expiredBefore) {
      await db.deleteFrom('request_claims').where('claimed_at', '<', expiredBefore).execute();
    },
  };
}
