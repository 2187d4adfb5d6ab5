/**
 * Idempotency-Key on the native API's POSTs: a repeat from the same client gets the first reply byte for byte
 * and runs nothing (one verification, one SMS), also when the repeats arrive at once.
 */
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends } from '../support/database.js';
import { AUTH, startHarness, uniquePhone, type Harness } from '../support/harness.js';

for (const { backend, skip } of backends) {
  describe.skipIf(skip !== false)(`Idempotency-Key on ${backend.name}${skip ? ` — ${skip}` : ''}`, () => {
    let h: Harness;
    beforeAll(async () => {
      h = await startHarness(backend);
    });
    afterAll(async () => h?.close());

    const start = (to: string, key: string | undefined, headers: Record<string, string> = AUTH) =>
      h.app.http.inject({
        method: 'POST',
        url: '/v1/verifications',
        headers: { ...headers, ...(key === undefined ? {} : { 'idempotency-key': key }) },
        payload: { to },
      });
    const verificationsTo = async (phone: string) =>
      Number(
        (
          await sql<{
            count: number;
          }>`SELECT count(*)::int AS count FROM verifications WHERE phone = ${phone}`.execute(
            h.app.database.db,
          )
        ).rows[0]?.count,
      );
    const smsTo = async (phone: string) => {
      await h.app.dispatcher.drain();
      return h.outbox().filter((line) => line.to === phone).length;
    };

    it('replays the first reply byte for byte to a repeated key and starts nothing twice', async () => {
      const phone = uniquePhone();
      const key = randomUUID();
      const first = await start(phone, key);
      expect(first.statusCode).toBe(201);
      expect(first.headers['idempotent-replayed']).toBeUndefined();
      h.clock.advance(60_000);
      const again = await start(phone, key);
      expect(again.statusCode).toBe(201);
      expect(again.headers['content-type']).toBe(first.headers['content-type']);
      expect(again.headers['idempotent-replayed']).toBe('true');
      expect(again.rawPayload.equals(first.rawPayload)).toBe(true);
      expect(await verificationsTo(phone)).toBe(1);
      expect(await smsTo(phone)).toBe(1);

      // Without a key, the same request is a new one.
      expect((await start(phone, undefined)).statusCode).toBe(201);
      expect(await verificationsTo(phone)).toBe(2);
    });

    it('answers ten concurrent requests with one key with one verification, one SMS and identical replies', async () => {
      const phone = uniquePhone();
      const key = randomUUID();
      const replies = await Promise.all(Array.from({ length: 10 }, () => start(phone, key)));
      for (const reply of replies) {
        expect(reply.statusCode).toBe(201);
        expect(reply.headers['content-type']).toBe(replies[0]?.headers['content-type']);
        expect(reply.payload).toBe(replies[0]?.payload);
      }
      expect(replies.filter((reply) => reply.headers['idempotent-replayed'] === undefined)).toHaveLength(1);
      expect(await verificationsTo(phone)).toBe(1);
      expect(await smsTo(phone)).toBe(1);
    });

    it('replays a refusal too, and counts a wrong code once', async () => {
      const phone = uniquePhone();
      const started = (await start(phone, undefined)).json();
      const key = randomUUID();
      const check = () =>
        h.app.http.inject({
          method: 'POST',
          url: `/v1/verifications/${started.id}/check`,
          headers: { ...AUTH, 'idempotency-key': key },
          payload: { code: '000000' },
        });
      const first = await check();
      const again = await check();
      expect(again.statusCode).toBe(first.statusCode);
      expect(again.rawPayload.equals(first.rawPayload)).toBe(true);
      const view = await h.app.http.inject({
        method: 'GET',
        url: `/v1/verifications/${started.id}`,
        headers: AUTH,
      });
      expect(view.json().checks).toBe(1);
    });

    it('refuses the same key on another body with 422, and keeps keys apart per client', async () => {
      const key = randomUUID();
      const phone = uniquePhone();
      expect((await start(phone, key)).statusCode).toBe(201);
      const reused = await start(uniquePhone(), key);
      expect(reused.statusCode).toBe(422);
      expect(reused.json().error).toMatchObject({
        code: 'request_id_reused',
        details: [{ field: 'headers:/idempotency-key' }],
      });

      const otherKey = 'other-client-key-0123456789abcdef';
      await h.app.clients.upsert('other', otherKey, 'other');
      const theirs = await start(phone, key, { authorization: `Bearer ${otherKey}` });
      expect(theirs.statusCode).toBe(201);
      expect(theirs.headers['idempotent-replayed']).toBeUndefined();
      expect(await verificationsTo(phone)).toBe(2);
    });

    it('keeps a key 24 hours, then runs it as new; refuses a malformed key', async () => {
      const phone = uniquePhone();
      const key = randomUUID();
      await start(phone, key);
      h.clock.advance(24 * 3600_000 - 1000);
      expect((await start(phone, key)).headers['idempotent-replayed']).toBe('true');
      h.clock.advance(2000);
      const later = await start(phone, key);
      expect(later.statusCode).toBe(201);
      expect(later.headers['idempotent-replayed']).toBeUndefined();
      expect(await verificationsTo(phone)).toBe(2);

      const malformed = await start(uniquePhone(), 'x'.repeat(256));
      expect(malformed.statusCode).toBe(400);
      expect(malformed.json().error.details[0].field).toBe('headers:/idempotency-key');
    });
  });
}
