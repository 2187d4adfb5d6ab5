/** `otpgate clients webhook`: an operator sets, shows and removes a client's webhook; the secret shows once. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSecretBox } from '../../src/domain/secret-box.js';
import { migrateToLatest } from '../../src/store/connect.js';
import { clientWebhookStore } from '../../src/store/client-webhooks.js';
import { CLI_SECRET, openCliDatabase, runCliHere, type CliDatabase } from '../support/cli.js';
import { backends } from '../support/database.js';

for (const { backend, skip } of backends) {
  describe.skipIf(skip !== false)(
    `otpgate clients webhook on ${backend.name}${skip ? ` — ${skip}` : ''}`,
    () => {
      let database: CliDatabase;
      const cli = (...args: string[]) => runCliHere(args, database.env);

      beforeAll(async () => {
        database = await openCliDatabase(backend);
        await database.use(migrateToLatest);
      });
      afterAll(async () => database?.drop());

      it('sets a webhook and prints its secret once, shows the URL, removes it', async () => {
        expect((await cli('clients', 'create', 'shop')).status).toBe(0);
        const set = await cli('clients', 'webhook', 'shop', '--url', 'http://127.0.0.1:8080/hooks');
        expect(set.status).toBe(0);
        const secret = set.stdout.trim();
        expect(secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
        expect(set.stderr).toContain('shown this once');
        // Sealed under the server's secret: the server can sign with it.
        const stored = await database.use(async (db) => {
          const [client] = await db
            .selectFrom('api_clients')
            .select('id')
            .where('code', '=', 'shop')
            .execute();
          return clientWebhookStore(db).find(client!.id);
        });
        expect(createSecretBox(Buffer.from(CLI_SECRET, 'utf8')).open(stored!.secretSealed)).toBe(secret);

        const shown = await cli('clients', 'webhook', 'shop');
        expect(shown).toMatchObject({ status: 0 });
        expect(shown.stdout).toContain('http://127.0.0.1:8080/hooks');
        expect(shown.stdout).not.toContain(secret);

        expect((await cli('clients', 'webhook', 'shop', '--remove')).status).toBe(0);
      }, 90_000);

      it('refuses a bad URL, and --url with --remove', async () => {
        const bad = await cli('clients', 'webhook', 'shop', '--url', 'ftp://example.com/x');
        expect(bad).toMatchObject({ status: 1, stdout: '' });
        expect(bad.stderr).toContain('http or https');
        expect(
          (await cli('clients', 'webhook', 'shop', '--url', 'https://a.example', '--remove')).status,
        ).toBe(2);
      }, 90_000);
    },
  );
}
