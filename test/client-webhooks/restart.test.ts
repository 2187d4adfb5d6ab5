/**
 * A node's webhook worker stopped mid-way and another node started on the same database: every change is
 * posted exactly once. And a claim whose node died is taken over once its lease runs out, not before.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type App } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { webhookQueue } from '../../src/store/webhook-queue.js';
import {
  startClientWebhookReceiver,
  type ClientWebhookReceiver,
} from '../support/client-webhook-receiver.js';
import { backends, type TestDatabase } from '../support/database.js';
import { AUTH, CLIENT_KEY, TestClock, uniquePhone } from '../support/harness.js';

for (const { backend, skip } of backends) {
  describe.skipIf(skip !== false)(
    `client webhooks across a restart on ${backend.name}${skip ? ` — ${skip}` : ''}`,
    () => {
      let database: TestDatabase;
      let receiver: ClientWebhookReceiver;
      const dataDir = mkdtempSync(join(tmpdir(), 'otpgate-webhooks-'));
      const clock = new TestClock();
      const config = loadConfig({
        DATA_DIR: dataDir,
        CODE_SECRET: 'test-secret-that-is-long-enough-0123456789',
        BOOTSTRAP_CLIENT: `test:${CLIENT_KEY}`,
        RATE_LIMIT_PHONE_PER_MINUTE: '1000',
        WEBHOOK_CONCURRENCY: '4',
      });
      /** A node on the shared database; its loops are driven by the test. */
      const startNode = () =>
        buildApp({
          config,
          clock,
          database: database.opened,
          logStream: new Writable({ write: (_chunk, _encoding, done) => done() }),
          devEcho: null,
          startDispatcher: false,
          startWebhooks: false,
        });
      const deliveries = async () =>
        (
          await sql<{ id: string; status: string }>`SELECT id, status FROM webhook_deliveries`.execute(
            database.opened.db,
          )
        ).rows;

      beforeAll(async () => {
        database = await backend.open();
        receiver = await startClientWebhookReceiver();
      });
      afterAll(async () => {
        await receiver?.close();
        await database?.drop();
        rmSync(dataDir, { recursive: true, force: true });
      });

      it('posts every change exactly once when a worker stops mid-way and a new node takes over', async () => {
        const first: App = await startNode();
        await first.http.inject({
          method: 'PUT',
          url: '/v1/clients/me/webhook',
          headers: AUTH,
          payload: { url: receiver.url },
        });
        for (let i = 0; i < 20; i++) {
          const started = await first.http.inject({
            method: 'POST',
            url: '/v1/verifications',
            headers: AUTH,
            payload: { to: uniquePhone() },
          });
          // Half canceled: a verification.canceled, and its queued text retired (message.failed).
          if (i % 2 === 0) {
            await first.http.inject({
              method: 'POST',
              url: `/v1/verifications/${started.json().id}/cancel`,
              headers: AUTH,
            });
          }
        }
        const changes = (await deliveries()).length;
        expect(changes).toBe(40);

        // The eighth post stops the worker: the posts in flight finish and are recorded, no new ones start.
        let stopping: Promise<void> | undefined;
        receiver.onPost(() => {
          if (receiver.posts.length === 8) stopping = first.webhooks.stop();
        });
        first.webhooks.start();
        await receiver.received(8);
        await stopping;
        await first.close();
        receiver.onPost(undefined);
        const beforeRestart = receiver.posts.length;
        expect(beforeRestart).toBeGreaterThanOrEqual(8);
        expect(beforeRestart).toBeLessThan(changes);

        const second = await startNode();
        await second.webhooks.drain();
        await second.close();

        const ids = receiver.posts.map((post) => post.event.id);
        expect(ids).toHaveLength(changes);
        expect(new Set(ids).size).toBe(changes);
        expect((await deliveries()).every((row) => row.status === 'delivered')).toBe(true);
      });

      it("takes over a dead node's claim once its lease runs out, and posts it once", async () => {
        const node = await startNode();
        const before = receiver.posts.length;
        await node.http.inject({
          method: 'POST',
          url: '/v1/verifications',
          headers: AUTH,
          payload: { to: uniquePhone() },
        });
        // A node claimed it and died before posting: the row is leased to nobody alive.
        const [claimed] = await webhookQueue(database.opened.db).claimDue(
          clock.now(),
          new Date(clock.now().getTime() + 15_000),
          10,
        );
        expect(claimed?.eventType).toBe('verification.pending');
        await node.webhooks.drain();
        expect(receiver.posts.length).toBe(before);
        clock.advance(16_000);
        await node.webhooks.drain();
        await node.webhooks.drain();
        expect(receiver.posts.slice(before).map((post) => post.event.id)).toEqual([claimed?.id]);
        await node.close();
      });
    },
  );
}
