import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MessageKind } from '../../src/domain/types.js';
import { messageStore } from '../../src/store/messages.js';
import { openPglite } from '../../src/store/pglite.js';
import { openCliDatabase, runCli, runCliHere, type CliDatabase } from '../support/cli.js';
import { backends } from '../support/database.js';

const MINUTE = 60_000;

for (const { backend, skip } of backends) {
  describe.skipIf(skip !== false)(
    `otpgate migrate and outbox stats on ${backend.name}${skip ? ` — ${skip}` : ''}`,
    () => {
      let database: CliDatabase;
      const cli = (...args: string[]) => runCliHere(args, database.env);

      beforeAll(async () => {
        database = await openCliDatabase(backend, { empty: true });
      });
      afterAll(async () => database?.drop());

      it('migrate applies every migration once, and a second run changes nothing', async () => {
        const first = await cli('migrate');
        expect(first.status).toBe(0);
        expect(first.stdout).toMatch(/^Applied \d+ migration\(s\): 2026_11_23_00_initial, /);
        const second = await cli('migrate');
        expect(second).toMatchObject({
          status: 0,
          stdout: 'The schema is up to date: no migration to apply.\n',
        });
      });

      it('outbox stats counts messages per status and kind, ages the oldest queued one, and groups failures by code', async () => {
        await database.use(async (db) => {
          const messages = messageStore(db);
          const queue = async (kind: MessageKind, minutesAgo: number) => {
            const id = randomUUID();
            await messages.enqueue({
              id,
              kind,
              tenant: 'test',
              to: '+971501234567',
              bodySealed: 'sealed',
              preview: 'Your code is ••••••',
              encoding: 'gsm7',
              parts: 1,
              expiresAt: null,
              verificationId: null,
              clientId: null,
              now: new Date(Date.now() - minutesAgo * MINUTE),
            });
            return id;
          };
          await queue('otp', 5);
          await queue('otp', 1);
          await queue('notice', 2);
          const failed = [await queue('otp', 3), await queue('otp', 3), await queue('notice', 3)];
          const oldFailure = await queue('otp', 180);
          const fail = (id: string, code: string, minutesAgo: number) =>
            db
              .updateTable('sms_messages')
              .set({
                status: 'failed',
                error_code: code,
                failed_at: new Date(Date.now() - minutesAgo * MINUTE),
              })
              .where('id', '=', id)
              .execute();
          await fail(failed[0]!, 'rejected', 2);
          await fail(failed[1]!, 'rejected', 2);
          await fail(failed[2]!, 'expired', 2);
          await fail(oldFailure, 'rejected', 170);
        });

        const [text, json] = [await cli('outbox', 'stats'), await cli('outbox', 'stats', '--json')];
        expect(text.status).toBe(0);
        expect(text.stdout).toMatch(/^STATUS +OTP +NOTICE +TOTAL$/m);
        expect(text.stdout).toMatch(/^queued +2 +1 +3$/m);
        expect(text.stdout).toMatch(/^failed +3 +1 +4$/m);
        expect(text.stdout).toMatch(/^Oldest queued message: 5m \d+s old/m);
        expect(text.stdout).toMatch(/^rejected +2$/m);
        expect(text.stdout).toMatch(/^expired +1$/m);

        expect(json.status).toBe(0);
        const stats = JSON.parse(json.stdout) as {
          counts: { status: string; kind: string; count: number }[];
          oldestQueuedAgeSeconds: number;
          failuresLastHour: { errorCode: string; count: number }[];
        };
        expect(stats.counts).toContainEqual({ status: 'queued', kind: 'otp', count: 2 });
        expect(stats.oldestQueuedAgeSeconds).toBeGreaterThanOrEqual(300);
        expect(stats.oldestQueuedAgeSeconds).toBeLessThan(360);
        expect(stats.failuresLastHour).toEqual([
          { errorCode: 'rejected', count: 2 },
          { errorCode: 'expired', count: 1 },
        ]);
      });

      it.runIf(backend.name === 'pglite')(
        'refuses a PGlite data dir another process has open, saying the server may be running',
        async () => {
          const held = await openPglite(database.env.DATA_DIR);
          try {
            // Another process: the lock is between processes.
            const refused = await runCli(['clients', 'list'], database.env);
            expect(refused.status).toBe(1);
            expect(refused.stderr).toContain('is the otpgate server running?');
            expect(refused.stderr).toContain(`process ${process.pid}`);
            expect(refused.stderr).not.toMatch(/^\s+at /m);
          } finally {
            // Given back on close (test/cli/clients.test.ts relies on that between each command).
            await held.destroy();
          }
        },
      );
    },
  );
}
