/**
 * The generic HTTP provider against a real Kannel: a code sent through smsbox reaches the fake SMSC, and
 * Kannel's own delivery report, called back on the {receiptUrl} it was handed as dlr-url, makes it delivered.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends } from '../support/database.js';
import { AUTH, startHarness, uniquePhone, type Harness } from '../support/harness.js';
import { KANNEL_SKIP, startKannel, type Kannel } from '../support/kannel.js';
import { openPublicDoor, type PublicDoor } from '../support/public-door.js';
import { statusBecomes } from './dispatch/helpers.js';

const pglite = backends[0]!.backend;

/** Kannel's dlr-mask 31 asks for every report; %d is its report type (1 delivered, 2 not, 8 at the SMSC...). */
function kannelProvider(kannel: Kannel): string {
  const sendsms =
    `${kannel.sendsmsUrl}?username=${kannel.username}&password=${kannel.password}` +
    '&to={toDigits}&text={text}&from=OTPGATE&dlr-mask=31&dlr-url={receiptUrl}';
  const params = new URLSearchParams({
    url: sendsms,
    success_contains: 'Accepted for delivery',
    receipt_statuses: '1:delivered|2:undelivered|4:sent|8:sent|16:failed',
    receipt_query: 'status=%d',
  });
  return `http://?${params.toString().replace(/\+/g, '%20')}`;
}

describe.skipIf(KANNEL_SKIP !== false)(`SMS through Kannel${KANNEL_SKIP ? ` — ${KANNEL_SKIP}` : ''}`, () => {
  let kannel: Kannel;
  let door: PublicDoor;
  let h: Harness;
  beforeAll(async () => {
    [kannel, door] = await Promise.all([startKannel(), openPublicDoor()]);
    h = await startHarness(pglite, { PUBLIC_URL: door.origin, SMS_PROVIDERS: kannelProvider(kannel) });
    door.app = h.app.http;
  });
  afterAll(async () => {
    await h?.close();
    await Promise.all([door?.close(), kannel?.close()]);
  });

  it('delivers a code, and Kannel’s own delivery report makes the message delivered', async () => {
    const phone = uniquePhone();
    const started = await h.app.http.inject({
      method: 'POST',
      url: '/v1/verifications',
      headers: AUTH,
      payload: { to: phone, purpose: 'login' },
    });
    expect(started.statusCode).toBe(201);
    const messageId = started.json<{ sends: { messageId: string }[] }>().sends[0]?.messageId ?? '';

    await h.app.dispatcher.drain();
    const delivered = await statusBecomes(h, messageId, 'delivered', 30_000);

    expect(delivered).toMatchObject({ provider: 'http', providerRef: messageId });
    const received = kannel.received().filter((line) => line.includes(phone.slice(1)));
    expect(received).toHaveLength(1);
    expect(received[0]).toMatch(/^OTPGATE \d+ text .*\d{6}/);
  });
});
