/**
 * `otpgate fraud …` and `otpgate clients set --countries`, as operators run them (a process of their own), on
 * a database the server would use: blocks and the safe list land where the guard reads them, with events.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateToLatest } from '../../src/store/connect.js';
import { openCliDatabase, runCliHere, type CliDatabase } from '../support/cli.js';
import { backends } from '../support/database.js';

for (const { backend, skip } of backends) {
  describe.skipIf(skip !== false)(`otpgate fraud on ${backend.name}${skip ? ` — ${skip}` : ''}`, () => {
    let database: CliDatabase;
    const cli = (...args: string[]) => runCliHere(args, database.env);
    const query = <T>(text: ReturnType<typeof sql<T>>) =>
      database.use(async (db) => (await text.execute(db)).rows);

    beforeAll(async () => {
      database = await openCliDatabase(backend);
      await database.use(migrateToLatest);
    });
    afterAll(async () => database?.drop());

    it('blocks a prefix for every tenant until lifted, lists it, and records the event', async () => {
      const blocked = await cli('fraud', 'block', '+98912', '--reason', 'pumping seen by the carrier');
      expect(blocked).toMatchObject({ status: 0, stdout: 'Blocked +98912 for every tenant until lifted.\n' });
      const listed = await cli('fraud', 'list');
      expect(listed.stdout).toMatch(/^PREFIX +TENANT +BY +UNTIL +REPEATS +REASON$/m);
      expect(listed.stdout).toMatch(/^\+98912 +\* +operator +until lifted +0 +pumping seen by the carrier$/m);
      const events = await query(sql<{ type: string; tenant: string | null; summary: string }>`
        SELECT type, tenant, summary FROM security_events ORDER BY id`);
      expect(events).toEqual([
        {
          type: 'prefix_blocked',
          tenant: null,
          summary:
            '+98912: blocked by the operator for every tenant until lifted: pumping seen by the carrier',
        },
      ]);
    });

    it('unblocks it, and says so when there is nothing to unblock', async () => {
      const lifted = await cli('fraud', 'unblock', '+98912');
      expect(lifted.status).toBe(0);
      expect(lifted.stdout).toContain('Unblocked +98912 for every tenant');
      expect((await cli('fraud', 'list')).stdout).toContain('No blocks in force.');
      const again = await cli('fraud', 'unblock', '+98912');
      expect(again).toMatchObject({ status: 1, stdout: '' });
      expect(again.stderr).toContain('+98912 is not blocked for every tenant');
    });

    it('keeps numbers and prefixes on the safe list, per tenant or for all', async () => {
      expect((await cli('fraud', 'safe', 'add', '+989121234567', '--note', 'call centre')).status).toBe(0);
      expect((await cli('fraud', 'safe', 'add', '+97150', '--tenant', 'shop')).status).toBe(0);
      const listed = (await cli('fraud', 'list')).stdout;
      expect(listed).toMatch(/^\+989121234567 +\* +call centre$/m);
      expect(listed).toMatch(/^\+97150 +shop$/m);
      expect((await cli('fraud', 'safe', 'remove', '+97150', '--tenant', 'shop')).status).toBe(0);
      const missing = await cli('fraud', 'safe', 'remove', '+97150', '--tenant', 'shop');
      expect(missing.status).toBe(1);
    });

    it('refuses a bad prefix, a block without a reason and an incomplete command with exit 2', async () => {
      const [prefix, reason, incomplete] = await Promise.all([
        cli('fraud', 'block', '98912', '--reason', 'x'),
        cli('fraud', 'block', '+98912'),
        cli('fraud', 'safe'),
      ]);
      expect(prefix.status).toBe(2);
      expect(prefix.stderr).toContain('prefix must be + and 1 to 15 digits');
      expect(reason.status).toBe(2);
      expect(reason.stderr).toContain('--reason is required');
      expect(incomplete.status).toBe(2);
      expect(incomplete.stderr).toContain('"fraud safe" needs one of: add, remove');
    });

    it('clients set --countries narrows what a client may text, and default gives it SMS_COUNTRIES again', async () => {
      expect((await cli('clients', 'create', 'shop')).status).toBe(0);
      const narrowed = await cli('clients', 'set', 'shop', '--countries', 'ae,SA');
      expect(narrowed).toMatchObject({ status: 0 });
      expect(narrowed.stdout).toContain('API client "shop" may text: AE, SA');
      const countries = () =>
        query(sql<{ sms_countries: string | null }>`
        SELECT sms_countries FROM api_clients WHERE code = 'shop'`);
      expect(await countries()).toEqual([{ sms_countries: 'AE,SA' }]);
      expect((await cli('clients', 'set', 'shop', '--countries', 'XX')).status).toBe(2);
      expect((await cli('clients', 'set', 'shop', '--countries', 'default')).status).toBe(0);
      expect(await countries()).toEqual([{ sms_countries: null }]);
    });
  });
}
