/**
 * SMS dispatch benchmark, loopback only. Messages per second from the outbox to a loopback SMSC (window 10),
 * beside the raw rate the same SMSC accepts from a bare `smpp` client with the same window, in the same run:
 * the ratio is what to compare across runs and machines. Bounded by a message count and a time cap.
 *
 *   npm run bench:sms                       # PGlite in a temp dir
 *   DATABASE_URL=postgres://... npm run bench:sms
 *   BENCH_MESSAGES=2000 BENCH_MAX_SECONDS=60 npm run bench:sms
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import smpp, { type Session } from 'smpp';
import { buildApp, type App } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { encodeGsm7 } from '../src/sms/encoding.js';
import { enqueueTexts } from '../test/support/outbox.js';
import { startSmppServer, type ReceiptMode, type TestSmppServer } from '../test/support/smpp-server.js';

const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 2000);
const MAX_SECONDS = Number(process.env.BENCH_MAX_SECONDS ?? 60);
const WINDOW = 10;
/** The bare client is some twenty times faster: it sends more, so its run lasts long enough to measure. */
const RAW_MESSAGES = Number(process.env.BENCH_RAW_MESSAGES ?? 10 * MESSAGES);
const ACCOUNT = { systemId: 'bench', password: 'bench' };

const destination = (n: number) => `+97150${String(1_000_000 + (n % 9_000_000)).slice(1)}`;

interface Rate {
  messages: number;
  seconds: number;
  perSecond: number;
}

function rateOf(messages: number, startedAt: bigint): Rate {
  const seconds = Number(process.hrtime.bigint() - startedAt) / 1e9;
  return { messages, seconds, perSecond: messages / seconds };
}

/** A bare client: bind, then keep WINDOW submit_sm outstanding until `count` are answered. */
async function rawRate(smsc: TestSmppServer, count: number): Promise<Rate> {
  const session: Session = smpp.connect({ host: smsc.host, port: smsc.port });
  await new Promise<void>((resolve, reject) => {
    session.once('error', reject);
    session.bind_transceiver({ system_id: ACCOUNT.systemId, password: ACCOUNT.password }, (pdu) =>
      pdu.command_status === 0 ? resolve() : reject(new Error(`bind refused: ${pdu.command_status}`)),
    );
  });
  const body = encodeGsm7('Your otpgate code is 482913');
  const startedAt = process.hrtime.bigint();
  const deadline = Date.now() + MAX_SECONDS * 1000;
  let sent = 0;
  let answered = 0;
  await new Promise<void>((resolve) => {
    const next = (): void => {
      if (answered === count || Date.now() > deadline) return resolve();
      if (sent >= count) return;
      const n = sent++;
      session.submit_sm(
        {
          source_addr: 'OTPGATE',
          source_addr_ton: 5,
          destination_addr: destination(n).slice(1),
          dest_addr_ton: 1,
          dest_addr_npi: 1,
          registered_delivery: 1,
          data_coding: 0,
          short_message: body,
        },
        () => {
          answered++;
          next();
        },
      );
    };
    for (let i = 0; i < WINDOW; i++) next();
  });
  const rate = rateOf(answered, startedAt);
  await new Promise<void>((resolve) => session.close(resolve));
  return rate;
}

async function fillOutbox(app: App, count: number): Promise<void> {
  const now = new Date();
  const texts = Array.from({ length: count }, (_, n) => ({
    to: destination(n),
    text: 'Your otpgate code is 482913',
    expiresAt: new Date(now.getTime() + 3_600_000),
  }));
  await enqueueTexts(app.database.db, app.domain.box, texts, now);
}

/** Outbox -> SMSC through the whole app: claim, send, record (and with receipts, record those too). */
async function dispatchRate(smsc: TestSmppServer, count: number, receipts: ReceiptMode): Promise<Rate> {
  smsc.behaviour.receiptMode = receipts;
  const dataDir = mkdtempSync(join(tmpdir(), 'otpgate-bench-sms-'));
  const app = await buildApp({
    config: loadConfig({
      ...process.env,
      // One secret for both runs: a PostgreSQL database keeps the check of the first one it was set up with.
      CODE_SECRET: process.env.CODE_SECRET ?? 'bench-sms-code-secret-0123456789abcdefghij',
      DATA_DIR: dataDir,
      LOG_LEVEL: 'warn',
      SMS_PROVIDERS: smsc.url({ source_addr: 'OTPGATE', tps: 0, window: WINDOW }),
    }),
    devEcho: null,
    startDispatcher: false,
  });
  try {
    await fillOutbox(app, count);
    const before = smsc.submits.length;
    const startedAt = process.hrtime.bigint();
    app.dispatcher.start();
    await smsc
      .waitFor(() => smsc.submits.length - before >= count, `${count} submits`, MAX_SECONDS * 1000)
      .catch(() => undefined);
    return rateOf(smsc.submits.length - before, startedAt);
  } finally {
    await app.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

function row(name: string, rate: Rate, raw: number): string {
  return `| ${name} | ${rate.messages} | ${rate.seconds.toFixed(2)} | ${rate.perSecond.toFixed(0)} | ${(rate.perSecond / raw).toFixed(3)} |`;
}

async function main(): Promise<void> {
  const smsc = await startSmppServer({ ...ACCOUNT, receiptMode: 'none' });
  try {
    // Warm both paths (JIT, PDU codecs) before measuring.
    await rawRate(smsc, 200);
    const rawBefore = await rawRate(smsc, RAW_MESSAGES);
    const dispatched = await dispatchRate(smsc, MESSAGES, 'none');
    const withReceipts = await dispatchRate(smsc, MESSAGES, 'tlv');
    smsc.behaviour.receiptMode = 'none';
    const rawAfter = await rawRate(smsc, RAW_MESSAGES);
    // The raw rate drifts on a shared machine: compare with the mean of a run before and one after.
    const raw = (rawBefore.perSecond + rawAfter.perSecond) / 2;

    const database = process.env.DATABASE_URL ? 'PostgreSQL' : 'PGlite';
    console.log(`\nSMS dispatch to a loopback SMSC, window ${WINDOW}, ${MESSAGES} messages, ${database}\n`);
    console.log('| path | messages | seconds | msg/s | ratio to raw |');
    console.log('| --- | ---: | ---: | ---: | ---: |');
    console.log(row('bare smpp client (before)', rawBefore, raw));
    console.log(row('bare smpp client (after)', rawAfter, raw));
    console.log(row('outbox -> SMSC (dispatcher)', dispatched, raw));
    console.log(row('outbox -> SMSC, receipts recorded', withReceipts, raw));
    if (dispatched.messages < MESSAGES || withReceipts.messages < MESSAGES) {
      console.log(`\n(stopped at the ${MAX_SECONDS} s cap before every message went out)`);
    }
  } finally {
    await smsc.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
