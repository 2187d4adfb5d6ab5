/**
 * Queries of menuapp_requests: the first reply to each (scope, request id), so a repeated request is
 * answered from here and runs once. SQL only; the rules are in domain/idempotency.ts.
 */
import type { ColumnType, Kysely } from 'kysely';
import type { RequestClaimStore } from '../domain/ports.js';
import type { Database } from './database.js';

type Timestamp = ColumnType<Date, Date, Date>;

/** The face's own table, outside the shared Database interface. */
interface MenuappRequestsTable {
  client_scope: string;
  request_id: string;
  fingerprint: string;
  status_code: number | null;
  content_type: string | null;
  body: string | null;
  claimed_at: Timestamp;
  completed_at: Timestamp | null;
}

export function requestClaimStore(database: Kysely<Database>): RequestClaimStore {
  const db = database.withTables<{ menuapp_requests: MenuappRequestsTable }>();
  return {
    async claim(key, at) {
      const claimed = await db
        .insertInto('menuapp_requests')
        .values({
          client_scope: key.scope,
          request_id: key.requestId,
          fingerprint: key.fingerprint,
          status_code: null,
          content_type: null,
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
              content_type: null,
              body: null,
              claimed_at: eb.ref('excluded.claimed_at'),
              completed_at: null,
            }))
            .where((eb) =>
              eb.or([
                eb('menuapp_requests.claimed_at', '<', at.expiredBefore),
                eb.and([
                  eb('menuapp_requests.completed_at', 'is', null),
                  eb('menuapp_requests.claimed_at', '<', at.abandonedBefore),
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
        .selectFrom('menuapp_requests')
        .select(['fingerprint', 'status_code', 'content_type', 'body'])
        .where('client_scope', '=', key.scope)
        .where('request_id', '=', key.requestId)
        .where('claimed_at', '>=', expiredBefore)
        .executeTakeFirst();
      if (found === undefined) return undefined;
      const { fingerprint, status_code: statusCode, content_type: contentType, body } = found;
      return {
        fingerprint,
        reply:
          statusCode === null || contentType === null || body === null
            ? null
            : { statusCode, contentType, body },
      };
    },

    async complete(key, reply, now) {
      await db
        .updateTable('menuapp_requests')
        .set({
          status_code: reply.statusCode,
          content_type: reply.contentType,
          body: reply.body,
          completed_at: now,
        })
        .where('client_scope', '=', key.scope)
        .where('request_id', '=', key.requestId)
        .execute();
    },

    async release(key) {
      await db
        .deleteFrom('menuapp_requests')
        .where('client_scope', '=', key.scope)
        .where('request_id', '=', key.requestId)
        .where('completed_at', 'is', null)
        .execute();
    },

    async purge(expiredBefore) {
      await db.deleteFrom('menuapp_requests').where('claimed_at', '<', expiredBefore).execute();
    },
  };
}
