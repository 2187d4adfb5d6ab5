import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClients, hashClientKey } from '../../src/domain/clients.js';
import { systemClock } from '../../src/domain/ports.js';
import { createSecretBox } from '../../src/domain/secret-box.js';
import { migrateToLatest } from '../../src/store/connect.js';
import { createStore } from '../../src/store/index.js';
import { CLI_SECRET, openCliDatabase, runCliHere, type CliDatabase } from '../support/cli.js';
import { backends } from '../support/database.js';

/** 32 random bytes in base64url: 43 characters of A-Z a-z 0-9 - _. */
const KEY = /^[A-Za-z0-9_-]{43}$/;

for (const { backend, skip } of backends) {
  describe.skipIf(skip !== false)(`otpgate clients on ${backend.name}${skip ? ` — ${skip}` : ''}`, () => {
    let database: CliDatabase;
    const cli = (...args: string[]) => runCliHere(args, database.env);
    /** Which client each key opens, as a server started now would find (a fresh key cache). */
    const authenticate = (...keys: string[]) => serverView(keys).then(({ codes }) => codes);
    const serverView = (keys: string[]) =>
      database.use(async (db) => {
        const clients = createClients({
          store: createStore(db),
          box: createSecretBox(Buffer.from(CLI_SECRET, 'utf8')),
          clock: systemClock,
        });
        const codes = await Promise.all(keys.map(async (key) => (await clients.authenticate(key))?.code));
        return { codes, shopSigningKey: (await clients.signingKey('shop'))?.key };
      });
    const keys: string[] = [];

    beforeAll(async () => {
      database = await openCliDatabase(backend);
      await database.use(migrateToLatest);
    });
    afterAll(async () => database?.drop());

    it('create prints a new key once, on stdout alone, and that key authenticates; the same code again is refused', async () => {
      const created = await cli('clients', 'create', 'shop', '--name', 'Shop app');
      expect(created.status).toBe(0);
      expect(created.stdout.trim()).toMatch(KEY);
      expect(created.stderr).toContain('will not show it again');
      const key = created.stdout.trim();
      keys.push(key);

      const again = await cli('clients', 'create', 'shop');
      expect(again).toMatchObject({ status: 1, stdout: '' });
      expect(again.stderr).toContain('"otpgate clients create shop --rotate"');

      // Sealed under the server secret too, so the signing faces (CBSS) can use it.
      expect(await serverView([key])).toEqual({ codes: ['shop'], shopSigningKey: key });
    });

    it('--rotate gives the client a new key, and the old key stops working', async () => {
      const rotated = await cli('clients', 'create', 'shop', '--rotate');
      expect(rotated.status).toBe(0);
      const key = rotated.stdout.trim();
      expect(key).toMatch(KEY);
      expect(rotated.stderr).toContain('old key is refused');
      keys.push(key);
      expect(await authenticate(...keys)).toEqual([undefined, 'shop']);
    });

    it('disable makes the key fail, and list then shows the client inactive, with no key or hash anywhere', async () => {
      const disabled = await cli('clients', 'disable', 'shop');
      expect(disabled.status).toBe(0);
      expect(disabled.stdout).toContain('30 s');
      expect(await authenticate(...keys)).toEqual([undefined, undefined]);

      const listed = await cli('clients', 'list');
      expect(listed.status).toBe(0);
      expect(listed.stdout).toMatch(/^CODE +NAME +TENANT +ACCOUNT SID +ACTIVE +CREATED$/m);
      expect(listed.stdout).toMatch(
        /^shop +Shop app +shop +AC[0-9a-f]{32} +no +\d{4}-\d\d-\d\d \d\d:\d\d UTC$/m,
      );
      for (const key of keys) {
        expect(listed.stdout + listed.stderr).not.toContain(key);
        expect(listed.stdout + listed.stderr).not.toContain(hashClientKey(key));
      }
      expect(listed.stdout).not.toMatch(/v1\.[\w-]+\./);
    });

    it('--tenant puts a new client in a tenant with others, and list shows it', async () => {
      const created = await cli('clients', 'create', 'backoffice', '--tenant', 'shop');
      expect(created.status).toBe(0);
      expect(created.stderr).toContain('in tenant "shop"');
      const sid = /Account SID is (AC[0-9a-f]{32})\./.exec(created.stderr)?.[1];
      expect(sid).toBeDefined();
      const listed = await cli('clients', 'list', '--json');
      const rows = JSON.parse(listed.stdout) as { code: string; tenant: string; accountSid: string }[];
      expect(rows.map(({ code, tenant }) => ({ code, tenant }))).toEqual([
        { code: 'backoffice', tenant: 'shop' },
        { code: 'shop', tenant: 'shop' },
      ]);
      // The username the Twilio Verify face takes: AC and the client id's hex digits.
      expect(rows.find((row) => row.code === 'backoffice')?.accountSid).toBe(sid);
      expect((await cli('clients', 'list')).stdout).toContain(`${sid}`);
      const refused = await cli('clients', 'create', 'kiosk', '--tenant', 'not a name');
      expect(refused.status).toBe(2);
    });

    it('enable lets the current key in again, and refuses a code no client has', async () => {
      const enabled = await cli('clients', 'enable', 'shop');
      expect(enabled.status).toBe(0);
      expect(await authenticate(...keys)).toEqual([undefined, 'shop']);

      const unknown = await cli('clients', 'enable', 'nobody');
      expect(unknown.status).toBe(1);
      expect(unknown.stderr).toContain('No API client has the code "nobody"');
    });
  });
}
