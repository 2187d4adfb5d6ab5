/**
 * Client webhooks: a client registers a URL, and each status change of its tenant's verifications and messages
 * is posted there, signed (the receiver checks it as docs/webhooks.md says), retried after a failure with
 * backoff, and given up a day after the change.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createReceiptRecorder } from '../../src/sms/receipts.js';
import { purgeExpired } from '../../src/store/retention.js';
import {
  startClientWebhookReceiver,
  verifyOtpgateSignature,
  type ClientWebhookReceiver,
} from '../support/client-webhook-receiver.js';
import { backends } from '../support/database.js';
import { AUTH, startHarness, uniquePhone, type Harness } from '../support/harness.js';

const OTHER_KEY = 'other-tenant-key-0123456789abcdef';

for (const { backend, skip } of backends) {
  describe.skipIf(skip !== false)(`client webhooks on ${backend.name}${skip ? ` — ${skip}` : ''}`, () => {
    let h: Harness;
    let receiver: ClientWebhookReceiver;
    let otherReceiver: ClientWebhookReceiver;
    let secret: string;

    const api = (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: object, headers = AUTH) =>
      h.app.http.inject({ method, url, headers, ...(payload ? { payload } : {}) });
    /** Every SMS sent, then every post due. */
    const deliver = async () => {
      await h.app.dispatcher.drain();
      await h.app.webhooks.drain();
    };
    const typesFor = (id: string, from = receiver) =>
      from.posts.filter((post) => post.event.data.id === id).map((post) => post.event.type);
    const deliveryRows = (subjectId: string) =>
      sql<{ event_type: string; status: string; attempts: number; last_status_code: number | null }>`
        SELECT event_type, status, attempts, last_status_code FROM webhook_deliveries
        WHERE subject_id = ${subjectId} ORDER BY created_at, event_type`
        .execute(h.app.database.db)
        .then((result) => result.rows);

    beforeAll(async () => {
      h = await startHarness(backend, { TEST_NUMBERS: '+15005550006:424242' });
      receiver = await startClientWebhookReceiver();
      otherReceiver = await startClientWebhookReceiver();
      const registered = await api('PUT', '/v1/clients/me/webhook', { url: receiver.url });
      expect(registered.statusCode).toBe(200);
      secret = registered.json().secret;
      // Another tenant's client, with a webhook of its own: it must hear nothing of tenant "test".
      await h.app.clients.upsert('other', OTHER_KEY, 'other');
      const other = { authorization: `Bearer ${OTHER_KEY}` };
      expect((await api('PUT', '/v1/clients/me/webhook', { url: otherReceiver.url }, other)).statusCode).toBe(
        200,
      );
    });
    afterAll(async () => {
      await h?.close();
      await receiver?.close();
      await otherReceiver?.close();
    });

    it('shows the secret once: GET gives the URL only; a URL with credentials is refused', async () => {
      expect(secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
      const shown = await api('GET', '/v1/clients/me/webhook');
      expect(shown.statusCode).toBe(200);
      expect(shown.json()).toEqual({
        url: receiver.url,
        createdAt: expect.any(String),
        updatedAt: expect.any(String),
      });
      expect(shown.payload).not.toContain(secret);
      const refused = await api('PUT', '/v1/clients/me/webhook', { url: 'https://user:pw@example.com/x' });
      expect(refused.statusCode).toBe(400);
      expect(refused.json().error.details[0].field).toBe('/url');
    });

    it('posts a verification and its SMS as they change, signed so that the documented check accepts them', async () => {
      const phone = uniquePhone();
      const started = (await api('POST', '/v1/verifications', { to: phone })).json();
      const code = await h.lastCode(phone);
      await api('POST', `/v1/verifications/${started.id}/check`, { code });
      await deliver();

      expect(typesFor(started.id)).toEqual(['verification.pending', 'verification.approved']);
      const messageId = started.sends[0].messageId;
      expect(typesFor(messageId)).toEqual(['message.sent']);
      const approved = receiver.posts.find((post) => post.event.type === 'verification.approved')!;
      expect(approved.event.data).toMatchObject({ id: started.id, to: phone, status: 'approved', checks: 1 });
      expect(approved.headers['content-type']).toBe('application/json');
      expect(approved.headers['otpgate-event-id']).toBe(approved.event.id);

      for (const post of receiver.posts) {
        const header = String(post.headers['otpgate-signature']);
        expect(header).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
        const now = h.clock.now().getTime();
        expect(verifyOtpgateSignature(secret, header, post.body, now)).toBe(true);
        // The same check refuses another secret, another body, and a post more than five minutes old.
        expect(verifyOtpgateSignature(`${secret}x`, header, post.body, now)).toBe(false);
        expect(verifyOtpgateSignature(secret, header, post.body.replace(phone, '+15005550006'), now)).toBe(
          false,
        );
        expect(verifyOtpgateSignature(secret, header, post.body, now + 301_000)).toBe(false);
      }
      // Never the code, in any post.
      expect(receiver.posts.some((post) => post.body.includes(code))).toBe(false);
      expect(typesFor(started.id, otherReceiver)).toEqual([]);
    });

    it('posts canceled, max_attempts_reached and expired, and a queued text retired with its code as failed', async () => {
      const canceled = (await api('POST', '/v1/verifications', { to: uniquePhone() })).json();
      await api('POST', `/v1/verifications/${canceled.id}/cancel`);

      const spent = (await api('POST', '/v1/verifications', { to: '+15005550006' })).json();
      for (let i = 0; i < 5; i++)
        await api('POST', `/v1/verifications/${spent.id}/check`, { code: '000000' });

      const expiring = (await api('POST', '/v1/verifications', { to: uniquePhone() })).json();
      h.clock.advance(11 * 60_000);
      expect(await h.app.domain.verifications.expireOverdue()).toBeGreaterThanOrEqual(1);
      await deliver();

      expect(typesFor(canceled.id)).toEqual(['verification.pending', 'verification.canceled']);
      // Its text was still queued when it was canceled: never sent, and said so.
      expect(typesFor(canceled.sends[0].messageId)).toEqual(['message.failed']);
      expect(typesFor(spent.id)).toEqual(['verification.pending', 'verification.max_attempts_reached']);
      expect(typesFor(expiring.id)).toEqual(['verification.pending', 'verification.expired']);
    });

    it("posts a message's delivery receipt: delivered, or undelivered", async () => {
      const recorder = createReceiptRecorder({
        db: h.app.database.db,
        clock: h.clock,
        logger: { debug: () => undefined },
      });
      const ids: string[] = [];
      for (const status of ['delivered', 'undelivered'] as const) {
        const started = (await api('POST', '/v1/verifications', { to: uniquePhone() })).json();
        const messageId = started.sends[0].messageId;
        ids.push(messageId);
        await h.app.dispatcher.drain();
        await recorder.record({ provider: 'dev-outbox', providerRef: messageId, status, at: h.clock.now() });
      }
      await deliver();
      expect(typesFor(ids[0]!)).toEqual(['message.sent', 'message.delivered']);
      expect(typesFor(ids[1]!)).toEqual(['message.sent', 'message.undelivered']);
    });

    it('retries a post the receiver answered with 500, with backoff, until it takes it', async () => {
      const started = (await api('POST', '/v1/verifications', { to: '+15005550006' })).json();
      receiver.answerNext(500);
      await h.app.webhooks.drain();
      expect(typesFor(started.id)).toEqual(['verification.pending']);
      expect(await deliveryRows(started.id)).toMatchObject([
        { status: 'pending', attempts: 1, last_status_code: 500 },
      ]);

      // Not due again yet: the first retry waits 5 to 10 seconds.
      await h.app.webhooks.drain();
      expect(typesFor(started.id)).toHaveLength(1);
      h.clock.advance(10_000);
      await h.app.webhooks.drain();
      const posts = receiver.posts.filter((post) => post.event.data.id === started.id);
      expect(posts.map((post) => post.status)).toEqual([500, 200]);
      expect(posts[1]!.body).toBe(posts[0]!.body);
      expect(
        verifyOtpgateSignature(
          secret,
          String(posts[1]!.headers['otpgate-signature']),
          posts[1]!.body,
          h.clock.now().getTime(),
        ),
      ).toBe(true);
      expect(await deliveryRows(started.id)).toMatchObject([
        { status: 'delivered', attempts: 2, last_status_code: 200 },
      ]);
    });

    it('gives a post up 24 hours after the change, when the receiver never takes it', async () => {
      const started = (await api('POST', '/v1/verifications', { to: '+15005550006' })).json();
      receiver.answerNext(...Array.from({ length: 100 }, () => 503));
      let hours = 0;
      await h.app.webhooks.drain();
      while ((await deliveryRows(started.id))[0]?.status === 'pending' && hours < 30) {
        h.clock.advance(3_600_000);
        hours++;
        await h.app.webhooks.drain();
      }
      const [row] = await deliveryRows(started.id);
      expect(row).toMatchObject({ status: 'failed', last_status_code: 503 });
      expect(hours).toBeGreaterThanOrEqual(24);
      expect(hours).toBeLessThanOrEqual(25);
      // Backoff: far fewer posts than one a minute for a day.
      expect(row!.attempts).toBeLessThan(40);
      // Nothing left for the next tests to answer with 503.
      receiver.answerNext();
    });

    it('removes the webhook: nothing more is queued, and GET says there is none', async () => {
      const other = { authorization: `Bearer ${OTHER_KEY}` };
      expect((await api('DELETE', '/v1/clients/me/webhook', undefined, other)).statusCode).toBe(204);
      expect((await api('GET', '/v1/clients/me/webhook', undefined, other)).json().error.code).toBe(
        'webhook_not_found',
      );
      const started = (await api('POST', '/v1/verifications', { to: uniquePhone() }, other)).json();
      await deliver();
      expect(await deliveryRows(started.id)).toEqual([]);
      expect((await api('DELETE', '/v1/clients/me/webhook', undefined, other)).statusCode).toBe(404);
    });

    it('purges finished posts with the retention, after RETENTION_DAYS', async () => {
      const finished = sql<{ count: number }>`
        SELECT count(*)::int AS count FROM webhook_deliveries WHERE status IN ('delivered', 'failed')`;
      expect((await finished.execute(h.app.database.db)).rows[0]!.count).toBeGreaterThan(0);
      h.clock.advance(31 * 24 * 3_600_000);
      const purged = await purgeExpired(h.app.database.db, h.clock.now(), { keepDays: 30 });
      expect(purged.webhookDeliveries).toBeGreaterThan(0);
      expect((await finished.execute(h.app.database.db)).rows[0]!.count).toBe(0);
    });
  });
}
