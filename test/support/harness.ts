/** Builds a whole otpgate on a test backend, with a controllable clock and a captured log. */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { buildApp, type App, type AppOptions } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import type { Backend, TestDatabase } from './database.js';

export const CLIENT_KEY = 'test-client-key-0123456789abcdef';
export const AUTH = { authorization: `Bearer ${CLIENT_KEY}` };

export class TestClock {
  constructor(private current = new Date('2026-11-23T10:00:00Z')) {}
  now = () => new Date(this.current);
  advance(ms: number): void {
    this.current = new Date(this.current.getTime() + ms);
  }
}

export interface Harness {
  app: App;
  clock: TestClock;
  dataDir: string;
  database: TestDatabase;
  /** Every log line the app wrote. */
  logs: string[];
  /** SMS written by the dev outbox so far (after a dispatcher drain). */
  outbox(): { id: string; to: string; text: string; createdAt: string }[];
  /** The code in the last SMS to a number. */
  lastCode(to: string): Promise<string>;
  /** The texts sent to a number so far (after a dispatcher drain). */
  textsTo(to: string): Promise<string[]>;
  /** Listens on a loopback port, for a client that speaks HTTP (a vendor SDK); answers the origin. */
  listen(): Promise<string>;
  close(): Promise<void>;
}

export async function startHarness(
  backend: Backend,
  env: Record<string, string> = {},
  options: Partial<AppOptions> = {},
): Promise<Harness> {
  const dataDir = mkdtempSync(join(tmpdir(), 'otpgate-test-'));
  const config = loadConfig({
    DATA_DIR: dataDir,
    CODE_SECRET: 'test-secret-that-is-long-enough-0123456789',
    BOOTSTRAP_CLIENT: `test:${CLIENT_KEY}`,
    LOG_LEVEL: 'debug',
    RATE_LIMIT_IP_PER_MINUTE: '100000',
    RATE_LIMIT_CLIENT_PER_MINUTE: '100000',
    RATE_LIMIT_PHONE_PER_MINUTE: '1000',
    ...env,
  });
  const clock = new TestClock();
  const logs: string[] = [];
  const logStream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logs.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  const database = await backend.open();
  const app = await buildApp({
    config,
    clock,
    logStream,
    devEcho: null,
    startDispatcher: false,
    database: database.opened,
    ...options,
  });
  const outbox = () => {
    try {
      return readFileSync(join(dataDir, 'sms-outbox.jsonl'), 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as { id: string; to: string; text: string; createdAt: string });
    } catch {
      return [];
    }
  };
  return {
    app,
    clock,
    dataDir,
    database,
    logs,
    outbox,
    async lastCode(to) {
      await app.dispatcher.drain();
      const sms = outbox()
        .filter((line) => line.to === to)
        .at(-1);
      const code = sms && /\b(\d{6})\b/.exec(sms.text)?.[1];
      if (code === undefined) throw new Error(`no SMS with a code to ${to}`);
      return code;
    },
    async textsTo(to) {
      await app.dispatcher.drain();
      return outbox()
        .filter((line) => line.to === to)
        .map((line) => line.text);
    },
    async listen() {
      await app.http.listen({ port: 0, host: '127.0.0.1' });
      return `http://127.0.0.1:${(app.http.server.address() as AddressInfo).port}`;
    },
    async close() {
      await app.close();
      await database.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

let counter = 0;
/** A fresh valid UAE mobile number per call, so tests sharing an app do not share limits. */
export function uniquePhone(): string {
  counter += 1;
  const digits = String((process.pid * 7919 + counter * 104729) % 10_000_000).padStart(7, '0');
  return `+97150${digits}`;
}

export function uniqueEmail(): string {
  counter += 1;
  return `user${process.pid}-${counter}@example.com`;
}

/** The code of `digits` digits in a text (not part of a longer number). */
export function codeIn(text: string | undefined, digits = 6): string {
  return new RegExp(`(?<!\\d)(\\d{${digits}})(?!\\d)`).exec(text ?? '')?.[1] ?? '';
}
