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
  });
}
