/** Every foreign key has an index that starts with its column: no reference check or join scans a table. */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateToLatest } from '../../src/store/connect.js';
import { backends, type TestDatabase } from '../support/database.js';

for (const { backend, skip } of backends) {
  describe.skipIf(skip !== false)(`the schema on ${backend.name}`, () => {
    let database: TestDatabase;
    beforeAll(async () => {
      database = await backend.open();
      await migrateToLatest(database.opened.db);
    });
    afterAll(async () => database?.drop());

    it('has an index under every foreign key', async () => {
      const { rows } = await sql<{ table: string; column: string }>`
        SELECT c.conrelid::regclass::text AS table, a.attname AS column
        FROM pg_constraint c
        JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
        WHERE c.contype = 'f' AND NOT EXISTS (
          SELECT 1 FROM pg_index i WHERE i.indrelid = c.conrelid AND i.indkey[0] = c.conkey[1])
        ORDER BY 1, 2`.execute(database.opened.db);

      expect(rows).toEqual([]);
    });

    it("indexes a verification's customer and service only where set, and finds them by those indexes", async () => {
      const { db } = database.opened;
      const indexes = await sql<{ name: string; definition: string }>`
        SELECT indexname AS name, indexdef AS definition FROM pg_indexes
        WHERE indexname IN ('verifications_customer_idx', 'verifications_service_idx')
        ORDER BY 1`.execute(db);
      expect(indexes.rows.map(({ definition }) => definition.replace(/.* WHERE /, ''))).toEqual([
        '(customer_id IS NOT NULL)',
        '(service_id IS NOT NULL)',
      ]);
      const id = '00000000-0000-4000-8000-000000000001';
      // What the plans of the look-ups would be on a table large enough that scanning it is the worse choice.
      const plans = await db.transaction().execute(async (trx) => {
        await sql`SET LOCAL enable_seqscan = off`.execute(trx);
        const plan = async (statement: ReturnType<typeof sql>) =>
          JSON.stringify((await sql`EXPLAIN (FORMAT JSON) ${statement}`.execute(trx)).rows);
        return [
          await plan(sql`SELECT 1 FROM verifications WHERE customer_id = ${id}`),
          await plan(sql`SELECT 1 FROM verifications WHERE service_id = ${id}`),
          await plan(
            sql`UPDATE verifications SET status = 'canceled' WHERE service_id = ${id} AND status = 'pending'`,
          ),
        ];
      });
      expect(plans[0]).toContain('verifications_customer_idx');
      expect(plans[1]).toContain('verifications_service_idx');
      expect(plans[2]).toContain('verifications_service_idx');
    });
  });
}
