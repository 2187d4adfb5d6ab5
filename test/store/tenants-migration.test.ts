/** The tenants migration moves every existing row to the tenant of the client that wrote it. */
import { randomUUID } from 'node:crypto';
import { Migrator, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrations } from '../../src/store/migrations/index.js';
import { backends, type TestDatabase } from '../support/database.js';

const NOW = new Date('2026-11-30T10:00:00Z');

for (const { backend, skip } of backends) {
  describe.skipIf(skip !== false)(`the tenants migration on ${backend.name}`, () => {
    let database: TestDatabase;
    beforeAll(async () => {
      database = await backend.open({ empty: true });
    });
    afterAll(async () => database?.drop());

    it('makes each client a tenant of its own and assigns its customers, verifications and messages to it', async () => {
      const { db } = database.opened;
      const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations } });
      const before = await migrator.migrateTo('2026_11_23_40_outbox_claims');
      expect(before.error).toBeUndefined();

      const shop = randomUUID();
      const shopCustomer = randomUUID();
      const formCustomer = randomUUID();
      const verification = randomUUID();
      const message = randomUUID();
      const run = (query: ReturnType<typeof sql>) => query.execute(db);
      await run(sql`INSERT INTO api_clients (id, code, name, key_hash, created_at, updated_at)
        VALUES (${shop}, 'shop', 'Shop', 'hash', ${NOW}, ${NOW})`);
      // The second customer registered on a face without authentication: no client.
      await run(sql`INSERT INTO customers (id, client_id, name_en, email, phone, password_hash, active, created_at, updated_at)
        VALUES (${shopCustomer}, ${shop}, 'A', 'a@example.com', '+971501111111', 'x', true, ${NOW}, ${NOW}),
               (${formCustomer}, NULL, 'B', 'b@example.com', '+971502222222', 'x', true, ${NOW}, ${NOW})`);
      await run(sql`INSERT INTO verifications (id, phone, purpose, locale, customer_id, client_id, status, code_hash, max_checks, expires_at, created_at, updated_at)
        VALUES (${verification}, '+971501111111', 'signup', 'en', ${shopCustomer}, ${shop}, 'pending', 'h', 5, ${NOW}, ${NOW}, ${NOW})`);
      await run(sql`INSERT INTO sms_messages (id, kind, priority, recipient, preview, encoding, parts, status, next_attempt_at, verification_id, client_id, created_at, updated_at)
        VALUES (${message}, 'otp', 0, '+971501111111', 'p', 'gsm7', 1, 'queued', ${NOW}, ${verification}, ${shop}, ${NOW}, ${NOW})`);
      await run(sql`INSERT INTO phone_guards (phone, failed_checks, locked_until, updated_at)
        VALUES ('+971501111111', 3, ${new Date(NOW.getTime() + 3_600_000)}, ${NOW})`);

      const after = await migrator.migrateToLatest();
      expect(after.error).toBeUndefined();

      const tenantOf = async (table: string, id: string) =>
        (await sql<{ tenant: string }>`SELECT tenant FROM ${sql.table(table)} WHERE id = ${id}`.execute(db))
          .rows[0]?.tenant;
      expect(await tenantOf('api_clients', shop)).toBe('shop');
      expect(await tenantOf('customers', shopCustomer)).toBe('shop');
      expect(await tenantOf('customers', formCustomer)).toBe('');
      expect(await tenantOf('verifications', verification)).toBe('shop');
      expect(await tenantOf('sms_messages', message)).toBe('shop');
      // A phone locked before stays locked, now for every tenant.
      const guards = await sql<{ tenant: string; locked_until: Date | null }>`
        SELECT tenant, locked_until FROM phone_guards WHERE phone = '+971501111111'`.execute(db);
      expect(guards.rows).toEqual([{ tenant: '*', locked_until: new Date(NOW.getTime() + 3_600_000) }]);
    });
  });
}
