/**
 * The send guard's rules, each in a tenant of its own: a pumped range is blocked and its figures recorded; the
 * safe list is never blocked; an operator's unblock lets a range send again; a repeat block lasts twice as
 * long; the day and country budgets refuse with send_budget_exceeded; a tenant lists its own events only.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends } from '../support/database.js';
import { startHarness, type Harness } from '../support/harness.js';

const HOUR_MS = 3_600_000;
/** A low threshold keeps each test to a few sends: blocked past 10 unconverted sends an hour. */
const MAX_UNCONVERTED = 10;

for (const { backend, skip } of backends) {
  describe.skipIf(skip !== false)(`the send guard on ${backend.name}${skip ? ` — ${skip}` : ''}`, () => {
    let h: Harness;
    beforeAll(async () => {
      h = await startHarness(backend, {
        GUARD_MAX_UNCONVERTED: String(MAX_UNCONVERTED),
        SEND_BUDGET_TENANT_PER_DAY: '25',
        SEND_BUDGET_COUNTRY_PER_HOUR: '1000,GB:5',
      });
    });
    afterAll(async () => h?.close());

    /** A client in a tenant of its own, and a way to start verifications as it. */
    async function tenant(name: string) {
      const key = `${name}-key-0123456789abcdef0123456789`;
      await h.app.clients.upsert(name, key, name);
      const headers = { authorization: `Bearer ${key}` };
      return {
        start: (to: string) =>
          h.app.http.inject({ method: 'POST', url: '/v1/verifications', headers, payload: { to } }),
        events: (query = '') => h.app.http.inject({ method: 'GET', url: `/v1/events${query}`, headers }),
      };
    }
    /** The nth number of an Iranian range of 8 characters (+98912xx), four more digits. */
    const inRange = (range: string, n: number) => `${range}${String(n).padStart(4, '0')}1`.slice(0, 13);

    async function pump(client: Awaited<ReturnType<typeof tenant>>, range: string, from = 0) {
      const statuses: number[] = [];
      for (let n = from; n < from + MAX_UNCONVERTED + 1; n += 1)
        statuses.push((await client.start(inRange(range, n))).statusCode);
      return statuses;
    }

    it('blocks a range past its unconverted sends, with the figures in the tenant’s events', async () => {
      const shop = await tenant('pumped');
      expect(await pump(shop, '+9891230')).toEqual(Array(MAX_UNCONVERTED + 1).fill(201));
      const refused = await shop.start(inRange('+9891230', 99));
      expect(refused.statusCode).toBe(403);
      expect(refused.json().error.code).toBe('prefix_blocked');
      // The neighbouring range of the same +98912 is open.
      expect((await shop.start(inRange('+9891231', 1))).statusCode).toBe(201);

      await h.app.domain.securityEvents.settled();
      const events = (await shop.events()).json().data as {
        type: string;
        subject: string;
        summary: string;
        figures: Record<string, unknown>;
      }[];
      expect(events.map((event) => [event.type, event.subject])).toEqual([
        ['prefix_blocked', '+9891230'],
        ['send_refused', '+9891230'],
      ]);
      expect(events[0]?.summary).toBe('+9891230: 11 sent, 0 approved in 1 min; blocked 12 h (block 1)');
      expect(events[0]?.figures).toMatchObject({ sent: 11, approved: 0, repeats: 1, blockSeconds: 43_200 });
    });

    it('never blocks a safe-listed range, however many codes go unused', async () => {
      const shop = await tenant('safe');
      await h.app.domain.prefixRules.addSafe({ prefix: '+9891240', tenant: 'safe', note: 'our call centre' });
      const statuses = [...(await pump(shop, '+9891240')), ...(await pump(shop, '+9891240', 20))];
      expect(statuses).toEqual(Array(statuses.length).fill(201));
    });

    it('sends again to a range an operator unblocked by hand', async () => {
      const shop = await tenant('unblocked');
      await pump(shop, '+9891250');
      expect((await shop.start(inRange('+9891250', 50))).statusCode).toBe(403);
      const lifted = await h.app.domain.prefixRules.unblock({ prefix: '+9891250' });
      expect(lifted.map((block) => [block.tenant, block.prefix])).toEqual([['unblocked', '+9891250']]);
      // Its counts start afresh: a few more sends do not block it again at once.
      for (let n = 51; n < 55; n += 1)
        expect((await shop.start(inRange('+9891250', n))).statusCode).toBe(201);
      await h.app.domain.securityEvents.settled();
      const types = ((await shop.events('?type=prefix_unblocked')).json().data as { summary: string }[]).map(
        (event) => event.summary,
      );
      expect(types).toEqual([
        '+9891250: unblocked by the operator for tenant unblocked (was: 11 sent, 0 approved in 1 min)',
      ]);
    });

    it('blocks a range for 12 hours, then for 24 when it is pumped again after the first block ends', async () => {
      const shop = await tenant('doubled');
      await pump(shop, '+9891260');
      const first = await blockOf('doubled', '+9891260');
      expect(first.blocked_until.getTime() - h.clock.now().getTime()).toBe(12 * HOUR_MS);

      h.clock.advance(12 * HOUR_MS + 60_000);
      expect((await shop.start(inRange('+9891260', 30))).statusCode).toBe(201);
      await pump(shop, '+9891260', 31);
      const second = await blockOf('doubled', '+9891260');
      expect(second).toMatchObject({ repeats: 2 });
      expect(second.blocked_until.getTime() - h.clock.now().getTime()).toBe(24 * HOUR_MS);
    });

    async function blockOf(tenantName: string, prefix: string) {
      const { rows } = await sql<{ blocked_until: Date; repeats: number }>`
        SELECT blocked_until, repeats FROM prefix_blocks WHERE tenant = ${tenantName} AND prefix = ${prefix}`.execute(
        h.app.database.db,
      );
      const row = rows[0];
      if (row === undefined) throw new Error(`${prefix} was never blocked`);
      return { ...row, blocked_until: new Date(row.blocked_until) };
    }

    it('refuses past the country budget of the hour and the tenant budget of the day, with Retry-After', async () => {
      const shop = await tenant('budget');
      // Five British codes an hour (SEND_BUDGET_COUNTRY_PER_HOUR=1000,GB:5), over several ranges.
      const british = (n: number) =>
        `+4479112${String(n * 7919)
          .padStart(5, '0')
          .slice(-5)}`;
      for (let n = 0; n < 5; n += 1) expect((await shop.start(british(n))).statusCode).toBe(201);
      const overCountry = await shop.start(british(5));
      expect(overCountry.statusCode).toBe(429);
      expect(overCountry.json().error.code).toBe('send_budget_exceeded');
      const minutesLeft = 60 - new Date(h.clock.now()).getUTCMinutes();
      expect(Number(overCountry.headers['retry-after'])).toBeLessThanOrEqual(minutesLeft * 60);

      // 25 a day in all: 20 more, spread so that no range is pumped, then the 26th is refused until midnight.
      const ranges = ['+97150', '+97155', '+96655', '+9891299'];
      for (let n = 0; n < 20; n += 1) {
        const range = ranges[n % ranges.length] ?? '+97150';
        const to = `${range}${String(1_000_000 + n * 104_729).slice(-(range.length === 6 ? 7 : 5))}`;
        expect((await shop.start(to)).statusCode).toBe(201);
      }
      const overDay = await shop.start('+971501234567');
      expect(overDay.json().error.code).toBe('send_budget_exceeded');
      const now = h.clock.now();
      const midnight = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1);
      expect(Number(overDay.headers['retry-after'])).toBe(Math.ceil((midnight - now.getTime()) / 1000));

      await h.app.domain.securityEvents.settled();
      const budgetEvents = (await shop.events('?type=send_budget_exceeded')).json().data as {
        subject: string;
      }[];
      expect(budgetEvents.map((event) => event.subject)).toEqual(['country:GB', 'day']);
    });

    /** The texts a tenant spent of its day's budget, as the database holds it. */
    const daySpent = async (tenantId: string) => {
      const { rows } = await sql<{ sent: number }>`
        SELECT sent FROM send_budgets WHERE tenant = ${tenantId} AND scope = 'day'`.execute(
        h.database.opened.db,
      );
      return rows[0]?.sent ?? 0;
    };

    it('holds the day budget exactly under 40 concurrent starts, and a refused start gives its count back', async () => {
      const shop = await tenant('burst');
      // Five numbers in each of eight ranges: no range comes near being pumped.
      const ranges = ['+97150', '+97152', '+97154', '+97155', '+97156', '+97158', '+96650', '+96655'];
      const numbers = ranges.flatMap((range) =>
        Array.from({ length: 5 }, (_, n) => `${range}${String(2_000_000 + n * 104_729).slice(-7)}`),
      );
      const replies = await Promise.all(numbers.map((to) => shop.start(to)));
      const statuses = replies.map((reply) => reply.statusCode);

      expect(statuses.filter((status) => status === 201)).toHaveLength(25);
      const refusals = replies.filter((reply) => reply.statusCode !== 201).map((reply) => reply.body);
      expect(refusals.filter((body) => !body.includes('send_budget_exceeded'))).toEqual([]);
      expect(refusals).toHaveLength(15);
      expect(await daySpent('burst')).toBe(25);

      // Refused by the number's own window (5 codes in 10 minutes): the sixth is not spent from the budget.
      const other = await tenant('give-back');
      const sent = [];
      for (let n = 0; n < 6; n += 1) sent.push((await other.start('+971507654321')).statusCode);
      expect(sent).toEqual([201, 201, 201, 201, 201, 429]);
      expect(await daySpent('give-back')).toBe(5);
    });

    it('lists a tenant’s own events only, a page at a time', async () => {
      const mine = await tenant('pager');
      const theirs = await tenant('nosy');
      await pump(mine, '+9891270');
      await mine.start(inRange('+9891270', 80));
      await h.app.domain.securityEvents.settled();

      const first = (await mine.events('?limit=1')).json();
      expect(first.data).toHaveLength(1);
      expect(first.data[0].type).toBe('prefix_blocked');
      const second = (await mine.events(`?limit=1&cursor=${first.nextCursor}`)).json();
      expect(second.data.map((event: { type: string }) => event.type)).toEqual(['send_refused']);
      const rest = (await mine.events(`?limit=1&cursor=${second.data[0].id}`)).json();
      expect(rest).toEqual({ data: [], nextCursor: null });

      const since = new Date(h.clock.now().getTime() + 1000).toISOString();
      expect((await mine.events(`?since=${since}`)).json().data).toEqual([]);
      expect((await theirs.events()).json()).toEqual({ data: [], nextCursor: null });
      expect((await theirs.events('?cursor=x')).statusCode).toBe(400);
    });
  });
}
