/** Security events: one table, listed per tenant by id (the cursor), or all of them for the operator. */
import type { Kysely, Selectable } from 'kysely';
import type { SecurityEventRecord, SecurityEventStore, SecurityEventType } from '../domain/ports.js';
import type { Database, SecurityEventsTable } from './database.js';

export function securityEventStore(db: Kysely<Database>): SecurityEventStore {
  return {
    async insert(event, at) {
      await db
        .insertInto('security_events')
        .values({
          type: event.type,
          tenant: event.tenant,
          client_id: event.clientId,
          ip: event.ip,
          subject: event.subject,
          summary: event.summary,
          figures: JSON.stringify(event.figures),
          created_at: at,
        })
        .execute();
    },

    async list(query) {
      let select = db
        .selectFrom('security_events')
        .selectAll()
        .where('tenant', '=', query.tenant)
        .orderBy('id')
        .limit(query.limit);
      if (query.type !== undefined) select = select.where('type', '=', query.type);
      if (query.since !== undefined) select = select.where('created_at', '>=', query.since);
      if (query.afterId !== undefined) select = select.where('id', '>', query.afterId);
      return (await select.execute()).map(eventOf);
    },

    async listForOperator(query) {
      let select = db
        .selectFrom('security_events as e')
        .leftJoin('api_clients as c', 'c.id', 'e.client_id')
        .selectAll('e')
        .select('c.code as client_code')
        .orderBy('e.created_at', 'desc')
        .orderBy('e.id', 'desc')
        .limit(query.limit);
      if (query.type !== undefined) select = select.where('e.type', '=', query.type);
      if (query.subjectPrefix !== undefined) {
        // LIKE's own characters are not in a prefix of + and digits; escaped anyway.
        const pattern = `${query.subjectPrefix.replace(/[\\%_]/g, '\\$&')}%`;
        select = select.where('e.subject', 'like', pattern);
      }
      if (query.from !== undefined) select = select.where('e.created_at', '>=', query.from);
      if (query.to !== undefined) select = select.where('e.created_at', '<', query.to);
      const before = query.before;
      if (before !== undefined) {
        select = select.where((eb) =>
          eb.or([
            eb('e.created_at', '<', before.at),
            eb.and([eb('e.created_at', '=', before.at), eb('e.id', '<', before.id)]),
          ]),
        );
      }
      return (await select.execute()).map((row) => ({ ...eventOf(row), clientCode: row.client_code }));
    },
  };
}

function eventOf(row: Selectable<SecurityEventsTable>): SecurityEventRecord {
  return {
    id: String(row.id),
    type: row.type as SecurityEventType,
    tenant: row.tenant,
    clientId: row.client_id,
    ip: row.ip,
    subject: row.subject,
    summary: row.summary,
    figures: typeof row.figures === 'string' ? JSON.parse(row.figures) : row.figures,
    at: row.created_at,
  };
}
