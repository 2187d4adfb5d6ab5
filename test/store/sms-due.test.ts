/**
 * The outbox's due list (migration 2026_12_04_10): sms_due holds exactly the messages waiting or being sent,
 * whatever statement changes them, and no update of a message touches an indexed column, so each can be HOT.
 * One transaction on one connection: pg_stat_xact_user_tables then counts its updates exactly.
 */
import { randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import { describe, expect, it } from 'vitest';
import { migrateToLatest } from '../../src/store/connect.js';
import type { Database } from '../../src/store/database.js';
import { messageParts } from '../../src/store/message-parts.js';
import { messageStore } from '../../src/store/messages.js';
import { outboxQueue } from '../../src/store/outbox-queue.js';
import { vacuumDueList } from '../../src/store/retention.js';
import { backends } from '../support/database.js';

const at = (seconds: number) => new Date(Date.UTC(2026, 11, 4, 12, 0, seconds));

async function dueList(db: Kysely<Database>) {
  const rows = await db
    .selectFrom('sms_due')
    .innerJoin('sms_messages', 'sms_messages.id', 'sms_due.message_id')
    .select(['sms_messages.id', 'sms_messages.status', 'sms_due.due_at'])
    .orderBy('sms_messages.id')
    .execute();
  return rows.map((row) => ({ ...row, due_at: new Date(row.due_at).toISOString() }));
}

async function updatesOfMessages(db: Kysely<Database>) {
  const { rows } = await sql<{ updates: string; hot: string }>`
    SELECT n_tup_upd AS updates, n_tup_hot_upd AS hot FROM pg_stat_xact_user_tables
    WHERE relname = 'sms_messages'`.execute(db);
  return { updates: Number(rows[0]?.updates ?? 0), hot: Number(rows[0]?.hot ?? 0) };
}

for (const { backend, skip } of backends) {
  describe.skipIf(skip !== false)(`the outbox's due list on ${backend.name}`, () => {
    it('follows each message through claim, retry, record, failure and receipt, every update HOT', async () => {
      const database = await backend.open();
      try {
        await migrateToLatest(database.opened.db);
        await database.opened.db.transaction().execute(async (trx) => {
          const ids = [randomUUID(), randomUUID(), randomUUID()].sort();
          for (const id of ids) {
            await messageStore(trx).enqueue({
              id,
              kind: 'otp',
              to: '+971501234567',
              bodySealed: 'sealed',
              preview: 'Your code is ••••••',
              encoding: 'gsm7',
              parts: 1,
              expiresAt: null,
              verificationId: null,
              clientId: null,
              tenant: 'default',
              now: at(0),
            });
          }
          const [retried, sent, failed] = ids as [string, string, string];
          expect(await dueList(trx)).toEqual(
            ids.map((id) => ({ id, status: 'queued', due_at: at(0).toISOString() })),
          );

          const queue = outboxQueue(trx);
          const claimed = await queue.claimDue(at(1), at(31), 10);
          expect(claimed.map((message) => message.id).sort()).toEqual(ids);
          // Being sent: due again when the lease runs out.
          expect(await dueList(trx)).toEqual(
            ids.map((id) => ({ id, status: 'sending', due_at: at(31).toISOString() })),
          );
          const claimOf = (id: string) => claimed.find((message) => message.id === id)!.claimId;

          expect(
            await queue.markRetry(
              retried,
              claimOf(retried),
              at(40),
              { code: 'throttled', message: 'later' },
              at(2),
            ),
          ).toBe(true);
          expect(
            await queue.markSent(
              sent,
              claimOf(sent),
              { provider: 'p', providerRef: 'r1', partRefs: ['r1'], parts: 1, price: null, currency: null },
              at(2),
            ),
          ).toBe(true);
          expect(
            await queue.markFailed(failed, claimOf(failed), { code: 'rejected', message: 'no' }, at(2)),
          ).toBe(true);
          await messageParts(trx).setMessageOutcome(sent, 'delivered', undefined, at(3));

          expect(await dueList(trx)).toEqual([
            { id: retried, status: 'queued', due_at: at(40).toISOString() },
          ]);
          expect(await queue.countUnfinished()).toEqual({ queued: 1, sending: 0 });
          // A claim, then a retry, a record or a failure, and a receipt: seven updates, none in an index.
          expect(await updatesOfMessages(trx)).toEqual({ updates: 7, hot: 7 });
        });
        // Vacuumed outside any transaction (VACUUM cannot run in one), on either driver, keeping what is due.
        const before = await dueList(database.opened.db);
        await vacuumDueList(database.opened.db);
        expect(await dueList(database.opened.db)).toEqual(before);
        expect(before).toHaveLength(1);
      } finally {
        await database.drop();
      }
    });
  });
}
