import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql, type Kysely } from 'kysely';
import { migrateToLatest } from '../../src/store/connect.js';
import type { Database } from '../../src/store/database.js';
import { analyzeTables, purgeExpired } from '../../src/store/retention.js';
import { backends, type TestDatabase } from '../support/database.js';

const NOW = new Date('2026-11-23T10:00:00Z');
const daysAgo = (days: number) => new Date(NOW.getTime() - days * 24 * 60 * 60_000);

for (const { backend, skip } of backends) {
  describe.skipIf(skip !== false)(`retention on ${backend.name}${skip ? ` — ${skip}` : ''}`, () => {
    let database: TestDatabase;
    let db: Kysely<Database>;

    beforeAll(async () => {
      database = await backend.open();
      db = database.opened.db;
      await migrateToLatest(db);
    });
    afterAll(async () => database?.drop());

    async function verification(status: string, at: Date): Promise<string> {
      const id = randomUUID();
      await db
        .insertInto('verifications')
        .values({
          id,
          phone: '+971501234567',
          purpose: 'login',
          locale: 'en',
          customer_id: null,
          client_id: null,
          tenant: '',
          status,
          code_hash: 'x',
          max_checks: 5,
          expires_at: new Date(at.getTime() + 600_000),
          created_at: at,
          updated_at: at,
        })
        .execute();
      return id;
    }

    async function message(status: string, at: Date, verificationId: string | null): Promise<string> {
      const id = randomUUID();
      await db
        .insertInto('sms_messages')
        .values({
          id,
          kind: 'otp',
          priority: 0,
          recipient: '+971501234567',
          tenant: '',
          body_sealed: null,
          preview: 'Your code',
          encoding: 'gsm7',
          parts: 1,
          price: null,
          currency: null,
          status,
          provider: 'p',
          provider_ref: null,
          next_attempt_at: at,
          lease_until: null,
          expires_at: null,
          error_code: null,
          error_message: null,
          verification_id: verificationId,
          client_id: null,
          created_at: at,
          sending_at: null,
          sent_at: null,
          delivered_at: null,
          failed_at: null,
          updated_at: at,
        })
        .execute();
      await db
        .insertInto('sms_message_parts')
        .values({
          message_id: id,
          seq: 1,
          provider: 'p',
          part_ref: id,
          status: 'sent',
          error_code: null,
          updated_at: at,
        })
        .execute();
      if (verificationId !== null) {
        await db
          .insertInto('verification_sends')
          .values({
            verification_id: verificationId,
            phone: '+971501234567',
            message_id: id,
            channel: 'sms',
            created_at: at,
          })
          .execute();
      }
      return id;
    }

    const exists = async (table: 'verifications' | 'sms_messages', id: string) =>
      (await db.selectFrom(table).select('id').where('id', '=', id).executeTakeFirst()) !== undefined;

    it('stops between batches when told to (a node shutting down), and the next run goes on', async () => {
      const before = await db
        .selectFrom('verifications')
        .select(db.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow();
      const old = daysAgo(60);
      await sql`
        INSERT INTO verifications
          (id, phone, purpose, locale, customer_id, client_id, tenant, status, code_hash, max_checks, expires_at,
           created_at, updated_at)
        SELECT gen_random_uuid(), '+971501234567', 'login', 'en', NULL, NULL, '', 'canceled', 'x', 5,
          ${old}::timestamptz, ${old}::timestamptz, ${old}::timestamptz
        FROM generate_series(1, 600)`.execute(db);
      const stopped = new AbortController();
      stopped.abort();
      const first = await purgeExpired(db, NOW, { stop: stopped.signal });
      expect(first.verifications).toBe(500); // one batch
      const rest = await purgeExpired(db, NOW);
      expect(rest.verifications).toBe(100);
      const after = await db
        .selectFrom('verifications')
        .select(db.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow();
      expect(Number(after.n)).toBe(Number(before.n));
    });

    it('deletes finished messages and verifications older than the kept days, with their parts and sends, and codes left unchecked', async () => {
      const oldDone = await verification('approved', daysAgo(40));
      const oldMessage = await message('delivered', daysAgo(40), oldDone);
      const oldNotice = await message('failed', daysAgo(40), null);
      const recentDone = await verification('approved', daysAgo(5));
      const recentMessage = await message('delivered', daysAgo(5), recentDone);
      const oldPending = await verification('pending', daysAgo(40));
      const oldQueued = await message('queued', daysAgo(40), null);

      const counts = await purgeExpired(db, NOW, { keepDays: 30 });

      expect(counts).toMatchObject({ messages: 2, verifications: 2 });
      expect(await exists('verifications', oldDone)).toBe(false);
      // Never checked, so still 'pending', but its code expired 40 days ago.
      expect(await exists('verifications', oldPending)).toBe(false);
      expect(await exists('sms_messages', oldMessage)).toBe(false);
      expect(await exists('sms_messages', oldNotice)).toBe(false);
      expect(await exists('verifications', recentDone)).toBe(true);
      for (const id of [recentMessage, oldQueued]) expect(await exists('sms_messages', id)).toBe(true);
      const parts = await db.selectFrom('sms_message_parts').select('message_id').execute();
      expect(parts.map((part) => part.message_id)).not.toContain(oldMessage);
    });

    it('keeps a finished verification a customer still points at', async () => {
      const pointed = await verification('approved', daysAgo(40));
      await sql`INSERT INTO customers (id, tenant, name_en, email, phone, password_hash, active, pending_verification_id, created_at, updated_at)
        VALUES (${randomUUID()}, '', 'A', ${`${randomUUID()}@example.com`}, '+971501234568', 'x', true, ${pointed}, ${NOW}, ${NOW})`.execute(
        db,
      );
      await purgeExpired(db, NOW);
      expect(await exists('verifications', pointed)).toBe(true);
    });

    it('forgets phone guards with no failures and no lock after a day idle, and keeps the rest', async () => {
      const guard = (phone: string, failed: number, lockedUntil: Date | null, at: Date) =>
        db
          .insertInto('phone_guards')
          .values({ phone, tenant: 't', failed_checks: failed, locked_until: lockedUntil, updated_at: at })
          .execute();
      await guard('+971500000001', 0, null, daysAgo(2));
      await guard('+971500000002', 0, daysAgo(1.5), daysAgo(2));
      await guard('+971500000003', 2, null, daysAgo(2));
      await guard('+971500000004', 0, new Date(NOW.getTime() + 60_000), daysAgo(2));
      await guard('+971500000005', 0, null, new Date(NOW.getTime() - 3_600_000));

      expect((await purgeExpired(db, NOW)).phoneGuards).toBe(2);
      const left = await db.selectFrom('phone_guards').select('phone').orderBy('phone').execute();
      expect(left.map((row) => row.phone)).toEqual(['+971500000003', '+971500000004', '+971500000005']);
    });

    it('forgets guard counts and budgets past any window, blocks ended a week ago and old security events', async () => {
      for (const [prefix, at] of [
        ['+97150', daysAgo(3)],
        ['+97155', daysAgo(1)],
      ] as const) {
        await db.insertInto('send_counts').values({ tenant: 't', prefix, bucket: at, sent: 1 }).execute();
        await db
          .insertInto('send_budgets')
          .values({ tenant: 't', scope: prefix, period_start: at, sent: 1 })
          .execute();
      }
      for (const [prefix, until] of [
        ['+98912', daysAgo(8)],
        ['+98913', daysAgo(6)],
        ['+98914', null],
      ] as const) {
        await db
          .insertInto('prefix_blocks')
          .values({
            tenant: 't',
            prefix,
            blocked_until: until,
            source: 'guard',
            reason: 'r',
            blocked_at: daysAgo(9),
            updated_at: daysAgo(8),
          })
          .execute();
      }
      for (const at of [daysAgo(40), daysAgo(5)]) {
        await db
          .insertInto('security_events')
          .values({
            type: 'limit_hit',
            tenant: 't',
            client_id: null,
            ip: null,
            subject: null,
            summary: 's',
            figures: '{}',
            created_at: at,
          })
          .execute();
      }

      expect(await purgeExpired(db, NOW, { keepDays: 30 })).toMatchObject({
        guardRows: 4,
        securityEvents: 1,
      });
      const prefixes = async (table: 'send_counts' | 'prefix_blocks') =>
        (await db.selectFrom(table).select('prefix').orderBy('prefix').execute()).map((row) => row.prefix);
      expect(await prefixes('send_counts')).toEqual(['+97155']);
      expect(await prefixes('prefix_blocks')).toEqual(['+98913']);
      const budgets = await db.selectFrom('send_budgets').select('scope').execute();
      expect(budgets.map((row) => row.scope)).toEqual(['+97155']);
    });

    it('analyzes every table, so the planner reads statistics rather than guesses', async () => {
      const neverAnalyzed = async () =>
        (
          await sql<{ table: string }>`
            SELECT c.relname AS table FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = 'public' AND c.relkind = 'r' AND c.reltuples < 0`.execute(db)
        ).rows.map((row) => row.table);
      expect(await neverAnalyzed()).not.toEqual([]);
      await analyzeTables(db);
      expect(await neverAnalyzed()).toEqual([]);
    });
  });
}
