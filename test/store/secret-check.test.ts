import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type App } from '../../src/app.js';
import { ConfigError, loadConfig } from '../../src/config.js';
import { createClientRegistry } from '../../src/domain/clients.js';
import { systemClock } from '../../src/domain/ports.js';
import { createSecretBox } from '../../src/domain/secret-box.js';
import { clientRegistryStore } from '../../src/store/clients.js';
import { CBSS_PATHS, cbssClient } from '../support/cbss-client.js';
import { backends } from '../support/database.js';
import {
  AUTH,
  CLIENT_KEY,
  startHarness,
  uniqueEmail,
  uniquePhone,
  type Harness,
} from '../support/harness.js';

const SECRET = 'test-secret-that-is-long-enough-0123456789';
const OTHER_SECRET = 'another-secret-that-is-long-enough-987654';

for (const { backend, skip } of backends) {
  describe.skipIf(skip !== false)(
    `one CODE_SECRET per database on ${backend.name}${skip ? ` — ${skip}` : ''}`,
    () => {
      let h: Harness;
      beforeAll(async () => {
        h = await startHarness(backend, { CODE_SECRET: SECRET });
      });
      afterAll(async () => h?.close());

      const db = () => h.app.database.db;
      const bootstrapSealedKey = async () =>
        (
          await db()
            .selectFrom('api_clients')
            .select('key_sealed')
            .where('code', '=', 'test')
            .executeTakeFirst()
        )?.key_sealed;
      const kept = async () =>
        (await db().selectFrom('secret_check').select('value').execute()).map((r) => r.value);

      /** Another node on the same database, as the server would build it. */
      const startNode = (secret: string): Promise<App> =>
        buildApp({
          config: loadConfig({
            DATA_DIR: h.dataDir,
            CODE_SECRET: secret,
            BOOTSTRAP_CLIENT: `test:${CLIENT_KEY}`,
            LOG_LEVEL: 'silent',
          }),
          database: h.app.database,
          startDispatcher: false,
          devEcho: null,
        });

      async function refusal(secret: string): Promise<unknown> {
        try {
          const app = await startNode(secret);
          await app.close();
        } catch (error) {
          return error;
        }
        throw new Error('the node started');
      }

      it('refuses to start a node with another CODE_SECRET, leaving the first node working', async () => {
        const sealedBefore = await bootstrapSealedKey();

        const error = await refusal(OTHER_SECRET);
        expect(error).toBeInstanceOf(ConfigError);
        expect((error as Error).message).toContain('CODE_SECRET');

        expect(await bootstrapSealedKey()).toBe(sealedBefore);
        expect(await kept()).toHaveLength(1);
        const listed = await h.app.http.inject({ method: 'GET', url: '/v1/customers', headers: AUTH });
        expect(listed.statusCode).toBe(200);
        // CBSS signs with the bootstrap client's sealed key: it still opens.
        const phone = uniquePhone();
        const password = 'long enough pw';
        await h.app.http.inject({
          method: 'POST',
          url: '/v1/customers',
          headers: AUTH,
          payload: { nameEn: 'Sara Ali', email: uniqueEmail(), phone, password },
        });
        const login = await cbssClient(h).call(CBSS_PATHS.login, { Identity: phone, Password: password });
        expect(login.statusCode).toBe(200);
      });

      it('starts a second node with the same CODE_SECRET', async () => {
        const app = await startNode(SECRET);
        await app.close();
        expect(await kept()).toHaveLength(1);
      });

      it('on a database from before the check value, refuses a secret that does not open the stored keys and keeps nothing', async () => {
        await sql`delete from secret_check`.execute(db());

        expect(await refusal(OTHER_SECRET)).toBeInstanceOf(ConfigError);
        expect(await kept()).toEqual([]);

        const app = await startNode(SECRET);
        await app.close();
        expect(await kept()).toHaveLength(1);
      });

      it('makes the CLI refuse to seal keys under another CODE_SECRET too', async () => {
        const registry = (secret: string) =>
          createClientRegistry({
            store: clientRegistryStore(db()),
            box: createSecretBox(Buffer.from(secret, 'utf8')),
            clock: systemClock,
          });
        expect(await registry(OTHER_SECRET).sealsLikeTheServer()).toBe(false);
        expect(await registry(SECRET).sealsLikeTheServer()).toBe(true);
      });
    },
  );
}
