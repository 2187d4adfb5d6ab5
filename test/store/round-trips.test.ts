/**
 * The statements a hot path sends, transaction control included (issue 14): each is a round trip to the
 * database and, on loopback, most of a request's CPU.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends } from '../support/database.js';
import { AUTH, startHarness, type Harness } from '../support/harness.js';

for (const { backend, skip } of backends) {
  describe.skipIf(skip !== false)(`round trips on ${backend.name}`, () => {
    let h: Harness;
    let sent: string[] = [];
    const counting = { ...backend, open: () => backend.open({ onStatement: (sql) => sent.push(sql) }) };
    beforeAll(async () => {
      // Records wait for their whole claim, however slow the machine: one batch, whatever the timing.
      h = await startHarness(counting, { SMS_RECORD_WAIT_MS: '1000' });
    });
    afterAll(async () => h?.close());

    /** The statements `work` sends, the first request's one-off look-ups (the client's key) done before. */
    async function statementsOf(work: () => Promise<unknown>): Promise<string[]> {
      sent = [];
      await work();
      return sent;
    }

    let n = 0;
    const start = (to = `+97150${String(1_000_000 + ++n)}`) =>
      h.app.http.inject({ method: 'POST', url: '/v1/verifications', headers: AUTH, payload: { to } });
    const check = (id: string, code: string) =>
      h.app.http.inject({
        method: 'POST',
        url: `/v1/verifications/${id}/check`,
        headers: AUTH,
        payload: { code },
      });

    it('starts a verification in 2 statements: the send guard, then otp_start', async () => {
      await start();
      const statements = await statementsOf(start);

      expect(statements, statements.join('\n---\n')).toHaveLength(2);
      expect(statements[1]).toMatch(/^SELECT otp_start\(/);
    });

    it('checks the right code in 1 statement, otp_check', async () => {
      const to = `+97152${String(1_000_000 + ++n)}`;
      const started = (await start(to)).json() as { id: string };
      const code = await h.lastCode(to);
      let approved: { valid: boolean; verification: { status: string } } | undefined;
      const statements = await statementsOf(async () => {
        approved = (await check(started.id, code)).json();
      });

      expect(approved?.verification.status).toBe('approved');
      expect(statements, statements.join('\n---\n')).toHaveLength(1);
      expect(statements[0]).toMatch(/^SELECT otp_check\(/);
    });

    it('counts a wrong code in 1 statement, and its security event in one more', async () => {
      const to = `+97154${String(1_000_000 + ++n)}`;
      const started = (await start(to)).json() as { id: string };
      const code = await h.lastCode(to);
      const wrong = code === '000000' ? '111111' : '000000';
      const statements = await statementsOf(() => check(started.id, wrong));

      expect(statements, statements.join('\n---\n')).toHaveLength(2);
      expect(statements[0]).toMatch(/^SELECT otp_check\(/);
    });

    it('dispatches a batch of texts in 2 statements: the claim and their record', async () => {
      await h.app.dispatcher.drain();
      for (let i = 0; i < 8; i++) await start();
      const statements = await statementsOf(() => h.app.dispatcher.drain());
      const kinds = statements.map((sql) => {
        if (/^WITH otp AS/.test(sql.trim())) return 'claim';
        if (/^WITH outcome/.test(sql.trim())) return 'record';
        return sql;
      });

      expect(await h.textsTo(`+97150${String(1_000_000 + n)}`)).toHaveLength(1);
      // The last claim finds the queue empty: the drain ends there.
      expect(kinds).toEqual(['claim', 'record', 'claim']);
    });
  });
}
