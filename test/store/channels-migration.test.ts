/**
 * The channels migration (issue 15) adds a verification's channel and workflow and widens destinations for
 * email addresses; it goes down (dropping what only an address could hold) and up again.
 */
import { randomUUID } from 'node:crypto';
import { Migrator, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrations } from '../../src/store/migrations/index.js';
import { verificationStore } from '../../src/store/verifications.js';
import { backends, type TestDatabase } from '../support/database.js';

const NOW = new Date('2026-12-03T10:00:00Z');

const verification = (phone: string, channel: 'sms' | 'email') => ({
  id: randomUUID(),
  phone,
  purpose: 'generic' as const,
  locale: 'en' as const,
  customerId: null,
  clientId: null,
  tenant: 't',
  codeHash: 'h',
  maxChecks: 5,
  expiresAt: NOW,
  serviceId: null,
  brand: null,
  codeLength: null,
  appHash: null,
  maxSends: null,
  channel,
  workflow: [
    { channel, to: phone, timeoutSeconds: 60 },
    { channel: 'sms' as const, to: '+971501234567', timeoutSeconds: 300 },
  ],
  stepDeadline: NOW,
  now: NOW,
});

for (const { backend, skip } of backends) {
  describe.skipIf(skip !== false)(`the channels migration on ${backend.name}`, () => {
    let database: TestDatabase;
    beforeAll(async () => {
      database = await backend.open();
    });
    afterAll(async () => database?.drop());

    it('keeps a workflow as written, and goes down (without email rows) and up again', async () => {
      const { db } = database.opened;
      const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations } });
      expect((await migrator.migrateToLatest()).error).toBeUndefined();
      const store = verificationStore(db);
      const text = await store.insert(verification('+971501234567', 'sms'));
      const mail = await store.insert(verification('someone.with.a.long.address@example.com', 'email'));
      expect(await store.findById(mail.id)).toMatchObject({
        channel: 'email',
        to: 'someone.with.a.long.address@example.com',
        step: 0,
        stepDeadline: NOW,
        workflow: [
          { channel: 'email', to: 'someone.with.a.long.address@example.com', timeoutSeconds: 60 },
          { channel: 'sms', to: '+971501234567', timeoutSeconds: 300 },
        ],
      });

      expect((await migrator.migrateTo('2026_12_03_71_admin_sessions')).error).toBeUndefined();
      const left = await sql<{ id: string }>`SELECT id FROM verifications`.execute(db);
      expect(left.rows).toEqual([{ id: text.id }]);

      expect((await migrator.migrateToLatest()).error).toBeUndefined();
      expect(await store.findById(text.id)).toMatchObject({ channel: 'sms', workflow: null, step: 0 });
    });
  });
}
