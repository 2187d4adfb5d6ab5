/** Security events: one table, listed per tenant by id (the cursor). */
import type { Kysely } from 'kysely';
import type { SecurityEventStore, SecurityEventType } from '../domain/ports.js';
import type { Database } from './database.js';

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
      const rows = await select.execute();
      return rows.map((row) => ({
        id: String(row.id),
        type: row.type as SecurityEventType,
        tenant: row.tenant,
        clientId: row.client_id,
        ip: row.ip,
        subject: row.subject,
        summary: row.summary,
        figures: typeof row.figures === 'string' ? JSON.parse(row.figures) : row.figures,
        at: row.created_at,
      }));
    },
  };
}
