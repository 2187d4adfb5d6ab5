/**
 * The request-claims migration renames menu.app's replay table for every face and keeps the replies already
 * stored (their content type becomes a kept header); both of this migrations go down and up again.
 */
import { Migrator, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrations } from '../../src/store/migrations/index.js';
import { requestClaimStore } from '../../src/store/request-claims.js';
import { backends, type TestDatabase } from '../support/database.js';

const NOW = new Date('2026-12-03T10:00:00Z');

for (const { backend, skip } of backends) {
  describe.skipIf(skip !== false)(`the request-claims migration on ${backend.name}`, () => {
    let database: TestDatabase;
    beforeAll(async () => {
      database = await backend.open();
    });
    afterAll(async () => database?.drop());

    it('keeps a stored menu.app reply replayable, and goes down and up again', async () => {
      const { db } = database.opened;
      const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations } });
      expect((await migrator.migrateTo('2026_12_03_50_foreign_key_indexes')).error).toBeUndefined();
      await sql`INSERT INTO menuapp_requests
          (client_scope, request_id, fingerprint, status_code, content_type, body, claimed_at, completed_at)
        VALUES ('shop', 'req-1', ${'f'.repeat(64)}, 200, 'application/json; charset=utf-8', '{"ok":true}', ${NOW}, ${NOW})`.execute(
        db,
      );

      expect((await migrator.migrateToLatest()).error).toBeUndefined();
      const key = { scope: 'shop', requestId: 'req-1' };
      expect(await requestClaimStore(db).find(key, new Date(0))).toEqual({
        fingerprint: 'f'.repeat(64),
        reply: {
          statusCode: 200,
          headers: { 'content-type': 'application/json; charset=utf-8' },
          body: '{"ok":true}',
        },
      });

      expect((await migrator.migrateTo('2026_12_03_50_foreign_key_indexes')).error).toBeUndefined();
      const back = await sql<{ content_type: string }>`SELECT content_type FROM menuapp_requests`.execute(db);
      expect(back.rows).toEqual([{ content_type: 'application/json; charset=utf-8' }]);
      expect((await migrator.migrateToLatest()).error).toBeUndefined();
      expect((await requestClaimStore(db).find(key, new Date(0)))?.reply?.statusCode).toBe(200);
    });
  });
}
