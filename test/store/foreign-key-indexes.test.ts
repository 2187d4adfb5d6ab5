/** Every foreign key has an index that starts with its column: no reference check or join scans a table. */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateToLatest } from '../../src/store/connect.js';
import { retireQueuedOtps } from '../../src/store/migrations/2026_12_04_40_retire_by_verification.js';
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

for (const { backend, skip } of backends) {
  describe.skipIf(skip !== false)(`a verification's queued texts retired on ${backend.name}`, () => {
    let database: TestDatabase;
    const target = '00000000-0000-4000-8000-00000000ffff';
    beforeAll(async () => {
      database = await backend.open();
      await migrateToLatest(database.opened.db);
      // 3,000 OTP texts already sent, one per verification, and the target's one text still queued; the
      // tables never analyzed, as on PGlite (no autovacuum) or a new PostgreSQL database.
      await sql`
        INSERT INTO verifications (id, phone, purpose, locale, status, code_hash, max_checks, expires_at,
          created_at, updated_at, tenant)
        SELECT CASE WHEN n = 0 THEN ${target}::uuid ELSE gen_random_uuid() END, '+9715' || (10000000 + n),
          'signup', 'en', 'pending', 'x', 5, now() + interval '10 minutes', now(), now(), 'default'
        FROM generate_series(0, 3000) AS n`.execute(database.opened.db);
      await sql`
        INSERT INTO sms_messages (id, kind, priority, recipient, preview, encoding, parts, status,
          next_attempt_at, created_at, updated_at, tenant, verification_id)
        SELECT gen_random_uuid(), 'otp', 0, phone, 'code', 'GSM-7', 1,
          CASE WHEN id = ${target}::uuid THEN 'queued' ELSE 'sent' END, now(), now(), now(), tenant, id
        FROM verifications`.execute(database.opened.db);
    });
    afterAll(async () => database?.drop());

    it('reads only that verification’s texts, whatever the statistics', async () => {
      const { db } = database.opened;
      // Explained as run, then rolled back: the next test retires the text through the function.
      let rows: unknown[] = [];
      const rolledBack = new Error('rolled back');
      await db
        .transaction()
        .execute(async (trx) => {
          const statement = retireQueuedOtps(`ARRAY['${target}']::uuid[]`, 'now()');
          ({ rows } = await sql`EXPLAIN (ANALYZE, FORMAT JSON) ${sql.raw(statement)}`.execute(trx));
          throw rolledBack;
        })
        .catch((error: unknown) => {
          if (error !== rolledBack) throw error;
        });
      const plan = JSON.stringify(rows);
      const rowsRead = [...plan.matchAll(/"Actual Rows":(\d+)/g)].map((match) => Number(match[1]));
      expect(rowsRead.length).toBeGreaterThan(0);
      // The old statement ANDed in the recipient index for kind = 'otp': 3,001 entries read.
      expect(Math.max(...rowsRead)).toBeLessThanOrEqual(1);
      expect(plan).not.toContain('sms_messages_recipient_idx');
      // Nor a scan of the table: no row read and thrown away.
      const removed = [...plan.matchAll(/"Rows Removed by (?:Filter|Index Recheck)":(\d+)/g)].map((match) =>
        Number(match[1]),
      );
      expect(removed.reduce((sum, count) => sum + count, 0)).toBe(0);
      expect(plan).not.toContain('Seq Scan');
    });

    it('fails the queued text and leaves the sent ones', async () => {
      const { db } = database.opened;
      await sql`SELECT otp_retire_queued_otps(ARRAY[${target}::uuid], now())`.execute(db);
      const { rows } = await sql<{ status: string; errorCode: string | null; count: number }>`
        SELECT status, error_code AS "errorCode", count(*)::int AS count FROM sms_messages
        GROUP BY 1, 2 ORDER BY 1`.execute(db);
      expect(rows).toEqual([
        { status: 'failed', errorCode: 'superseded', count: 1 },
        { status: 'sent', errorCode: null, count: 3000 },
      ]);
    });
  });
}
