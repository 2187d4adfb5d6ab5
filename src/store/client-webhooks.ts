/** Queries of client_webhooks: the URL each client registered and its sealed signing secret. */
import type { Kysely } from 'kysely';
import type { ClientWebhook, ClientWebhookStore } from '../domain/ports.js';
import type { Database } from './database.js';

const WEBHOOK = [
  'url',
  'secret_sealed as secretSealed',
  'created_at as createdAt',
  'updated_at as updatedAt',
] as const;

export function clientWebhookStore(db: Kysely<Database>): ClientWebhookStore {
  return {
    async find(clientId): Promise<ClientWebhook | undefined> {
      return db
        .selectFrom('client_webhooks')
        .select(WEBHOOK)
        .where('client_id', '=', clientId)
        .executeTakeFirst();
    },
    async save(clientId, webhook, now) {
      return db
        .insertInto('client_webhooks')
        .values({
          client_id: clientId,
          url: webhook.url,
          secret_sealed: webhook.secretSealed,
          created_at: now,
          updated_at: now,
        })
        .onConflict((oc) =>
          oc.column('client_id').doUpdateSet({
            url: webhook.url,
            secret_sealed: webhook.secretSealed,
            updated_at: now,
          }),
        )
        .returning(WEBHOOK)
        .executeTakeFirstOrThrow();
    },
    async remove(clientId) {
      const result = await db
        .deleteFrom('client_webhooks')
        .where('client_id', '=', clientId)
        .executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    },
  };
}
