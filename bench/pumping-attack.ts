/**
 * An SMS-pumping attack on an otpgate in this process (Fastify's inject, no sockets): verification starts to
 * sequential numbers in one Iranian prefix from rotating client addresses behind a trusted proxy, never
 * approved, interleaved with real users in five other prefixes of several countries (one of them a quiet
 * neighbour of the attacked range) who start and approve their codes. Used by `npm run simulate:pumping` and
 * by test/api/sms-pumping.test.ts.
 */
import { sql } from 'kysely';
import type { App } from '../src/app.js';
import { toE164 } from '../src/domain/phones.js';

/** The attacked range: +98 912 12 and four more digits, sequential (CC+5 is +9891212). */
export const ATTACKED_PREFIX = '+9891212';
const attackedNumber = (index: number) => `+98912123${String(index).padStart(4, '0')}`;

/** Real users' prefixes: a neighbour in the attack's +98912, two UAE mobile ranges, Saudi and British mobiles. */
export const REAL_PREFIXES = ['+9891299', '+97150', '+97155', '+96655', '+447911'] as const;
const NATIONAL_DIGITS: Record<(typeof REAL_PREFIXES)[number], number> = {
  '+9891299': 5,
  '+97150': 7,
  '+97155': 7,
  '+96655': 7,
  '+447911': 6,
};

/** The nth real user's number: spread over its prefix, always valid. */
export function realNumber(index: number): string {
  const prefix = REAL_PREFIXES[index % REAL_PREFIXES.length] ?? REAL_PREFIXES[0];
  const digits = NATIONAL_DIGITS[prefix];
  for (let attempt = 0; ; attempt += 1) {
    const spread = ((index + attempt * 7) * 104_729 + 12_345) % 10 ** digits;
    const phone = `${prefix}${String(spread).padStart(digits, '0')}`;
    try {
      return toE164(phone);
    } catch {
      // a reserved sub-range: try the next
    }
  }
}

export interface PumpingOptions {
  app: App;
  clientKey: string;
  /** The address of the proxy TRUST_PROXY names: requests arrive from it with X-Forwarded-For. */
  proxy: string;
  /** Which face the attack uses; real users always start and check on the native API. */
  face: 'native' | 'bitel';
  attacks: number;
  attackerAddresses: number;
  realUsers: number;
  /** The first real user's index: runs against one app use different numbers. */
  firstRealUser?: number;
  /** Requests in flight at once. */
  concurrency: number;
  /** The code in a message queued (tests read the dev outbox). */
  codeOf(messageId: string): Promise<string>;
}

export interface PumpingFigures {
  attacks: number;
  attacksAdmitted: number;
  /** Refusals of attack requests, by error code. */
  attacksRefused: Record<string, number>;
  /** SMS rows queued to the attacked range for the client's tenant: what the operator would pay for. */
  smsToAttackedPrefix: number;
  realUsers: number;
  realApproved: number;
  /** Real users whose start or check was refused, with why. */
  realRefused: { to: string; status: number; body: string }[];
  serverErrors: number;
  seconds: number;
}

async function inPool<T>(tasks: (() => Promise<T>)[], concurrency: number): Promise<T[]> {
  const results: T[] = [];
  let next = 0;
  const lane = async () => {
    while (next < tasks.length) {
      const index = next++;
      const task = tasks[index];
      if (task !== undefined) results[index] = await task();
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, lane));
  return results;
}

export async function runPumpingAttack(options: PumpingOptions): Promise<PumpingFigures> {
  const { app } = options;
  const auth = { authorization: `Bearer ${options.clientKey}` };
  const figures: PumpingFigures = {
    attacks: options.attacks,
    attacksAdmitted: 0,
    attacksRefused: {},
    smsToAttackedPrefix: 0,
    realUsers: options.realUsers,
    realApproved: 0,
    realRefused: [],
    serverErrors: 0,
    seconds: 0,
  };
  const send = async (
    method: 'POST',
    url: string,
    address: string,
    payload: object,
  ): Promise<{ status: number; body: string }> => {
    const reply = await app.http.inject({
      method,
      url,
      remoteAddress: options.proxy,
      headers: { ...auth, 'x-forwarded-for': address },
      payload,
    });
    if (reply.statusCode >= 500) figures.serverErrors += 1;
    return { status: reply.statusCode, body: reply.body };
  };

  const attack = async (index: number) => {
    const to = attackedNumber(index);
    const address = `198.18.${Math.floor((index % options.attackerAddresses) / 250)}.${(index % options.attackerAddresses) % 250}`;
    const reply =
      options.face === 'native'
        ? await send('POST', '/v1/verifications', address, { to })
        : await send('POST', '/api/v2/sms/otp', address, {
            PhoneNumber: `0${to.slice(3)}`,
            AppName: 'Shop',
            Code: '482916',
          });
    if (reply.status < 300) {
      figures.attacksAdmitted += 1;
      return;
    }
    const body = JSON.parse(reply.body) as { error?: { code?: string } };
    const code = options.face === 'native' ? (body.error?.code ?? 'unknown') : `${reply.status}`;
    figures.attacksRefused[code] = (figures.attacksRefused[code] ?? 0) + 1;
  };

  const realUser = async (index: number) => {
    const to = realNumber(index + (options.firstRealUser ?? 0));
    const address = `192.0.2.${index % 250}`;
    const started = await send('POST', '/v1/verifications', address, { to });
    if (started.status !== 201) {
      figures.realRefused.push({ to, ...started });
      return;
    }
    const { id, sends } = JSON.parse(started.body) as { id: string; sends: { messageId: string }[] };
    const checked = await send('POST', `/v1/verifications/${id}/check`, address, {
      code: await options.codeOf(sends[0]?.messageId ?? ''),
    });
    const valid = checked.status === 200 && (JSON.parse(checked.body) as { valid: boolean }).valid;
    if (valid) figures.realApproved += 1;
    else figures.realRefused.push({ to, ...checked });
  };

  // Interleaved: a real user after every few attack requests, from the first to the last.
  const tasks: (() => Promise<void>)[] = [];
  const every = Math.max(1, Math.floor(options.attacks / Math.max(1, options.realUsers)));
  let users = 0;
  for (let index = 0; index < options.attacks; index += 1) {
    tasks.push(() => attack(index));
    if (index % every === every - 1 && users < options.realUsers) {
      const user = users++;
      tasks.push(() => realUser(user));
    }
  }
  while (users < options.realUsers) {
    const user = users++;
    tasks.push(() => realUser(user));
  }

  const started = performance.now();
  await inPool(tasks, options.concurrency);
  figures.seconds = (performance.now() - started) / 1000;
  const tenant = (await app.clients.authenticate(options.clientKey))?.tenant ?? '';
  const { rows } = await sql<{ count: number }>`
    SELECT count(*)::int AS count FROM sms_messages
    WHERE recipient LIKE ${`${ATTACKED_PREFIX}%`} AND tenant = ${tenant}`.execute(app.database.db);
  figures.smsToAttackedPrefix = rows[0]?.count ?? 0;
  return figures;
}

/** The figures as a few lines for people. */
export function describeFigures(figures: PumpingFigures, face: string): string {
  const refused = Object.entries(figures.attacksRefused)
    .map(([code, count]) => `${count} ${code}`)
    .join(', ');
  return [
    `attack through the ${face} face: ${figures.attacks} starts to ${ATTACKED_PREFIX}xxxx, ${figures.attacksAdmitted} admitted, refused: ${refused || 'none'}`,
    `SMS queued to ${ATTACKED_PREFIX}: ${figures.smsToAttackedPrefix}`,
    `real users (${REAL_PREFIXES.join(', ')}): ${figures.realApproved} of ${figures.realUsers} approved, ${figures.realRefused.length} refused`,
    `5xx replies: ${figures.serverErrors}; ${figures.seconds.toFixed(1)} s`,
  ].join('\n');
}
