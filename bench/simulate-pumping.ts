/**
 * `npm run simulate:pumping`: starts otpgate on PGlite in a temporary directory (or DATABASE_URL), runs the SMS
 * pumping attack of bench/pumping-attack.ts against it (2,000 starts to one Iranian range from 200 addresses
 * behind a trusted proxy, never approved, among 500 real users in five other ranges who approve their codes),
 * then the same through the Bitel face, and prints the figures and the guard's decisions.
 *
 *   npm run simulate:pumping
 *   ATTACKS=5000 REAL_USERS=1000 npm run simulate:pumping
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { describeFigures, runPumpingAttack } from './pumping-attack.js';

const KEY = 'simulation-client-key-0123456789ab';
const BITEL_KEY = 'simulation-bitel-key-0123456789ab';
const PROXY = '10.0.0.7';
const ATTACKS = Number(process.env.ATTACKS ?? 2000);
const REAL_USERS = Number(process.env.REAL_USERS ?? 500);

const dataDir = mkdtempSync(join(tmpdir(), 'otpgate-pumping-'));
const app = await buildApp({
  config: loadConfig({
    DATA_DIR: dataDir,
    ...(process.env.DATABASE_URL ? { DATABASE_URL: process.env.DATABASE_URL } : {}),
    CODE_SECRET: 'simulation-secret-that-is-long-enough-0123',
    BOOTSTRAP_CLIENT: `shop:${KEY}`,
    TRUST_PROXY: PROXY,
    LOG_LEVEL: 'warn',
    // The real users all come from one test host: its per-client budget is not what is simulated.
    RATE_LIMIT_CLIENT_PER_MINUTE: '1000000',
  }),
  devEcho: null,
  startDispatcher: false,
});

/** Drains one after another (a drain finding nothing to claim while another sends returns at once). */
let drains = Promise.resolve();
async function codeOf(messageId: string): Promise<string> {
  drains = drains.then(() => app.dispatcher.drain());
  await drains;
  const line = readFileSync(join(dataDir, 'sms-outbox.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((text) => JSON.parse(text) as { id: string; text: string })
    .find((sms) => sms.id === messageId);
  const code = line === undefined ? undefined : /\b(\d{6})\b/.exec(line.text)?.[1];
  if (code === undefined) throw new Error(`message ${messageId} is not in the outbox`);
  return code;
}

try {
  console.log(`otpgate on ${app.database.driver}; ${ATTACKS} attack starts, ${REAL_USERS} real users\n`);
  const native = await runPumpingAttack({
    app,
    clientKey: KEY,
    proxy: PROXY,
    face: 'native',
    attacks: ATTACKS,
    attackerAddresses: 200,
    realUsers: REAL_USERS,
    concurrency: 8,
    codeOf,
  });
  console.log(describeFigures(native, 'native'));

  await app.clients.upsert('bitel-shop', BITEL_KEY, 'bitel-shop');
  const bitel = await runPumpingAttack({
    app,
    clientKey: BITEL_KEY,
    proxy: PROXY,
    face: 'bitel',
    attacks: ATTACKS,
    attackerAddresses: 200,
    realUsers: REAL_USERS,
    firstRealUser: 100_000,
    concurrency: 8,
    codeOf,
  });
  console.log(`\n${describeFigures(bitel, 'Bitel')}`);

  await app.domain.securityEvents.settled();
  console.log('\nThe guard’s decisions:');
  for (const tenant of ['shop', 'bitel-shop']) {
    const { events } = await app.domain.securityEvents.list(tenant, { type: 'prefix_blocked', limit: 100 });
    for (const event of events) console.log(`  ${tenant}: ${event.summary}`);
  }
  const met =
    native.smsToAttackedPrefix <= 50 &&
    bitel.attacksAdmitted <= 50 &&
    native.realRefused.length + bitel.realRefused.length === 0 &&
    native.serverErrors + bitel.serverErrors === 0;
  console.log(
    `\nTargets (at most 50 SMS to the range, no real user refused, no 5xx): ${met ? 'met' : 'MISSED'}`,
  );
  process.exitCode = met ? 0 : 1;
} finally {
  await app.close();
  rmSync(dataDir, { recursive: true, force: true });
}
