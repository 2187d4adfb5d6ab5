/** Shared set-up for the SMPP provider tests: a provider per test against the loopback test SMSC. */
import { randomUUID } from 'node:crypto';
import { createSmppProvider, parseSmppUrl } from '../../../src/sms/providers/smpp/index.js';
import {
  SmsError,
  type DeliveryReceipt,
  type OutgoingSms,
  type SmsProvider,
} from '../../../src/sms/provider.js';
import { startSmppServer, type SmppServerOptions, type TestSmppServer } from '../../support/smpp-server.js';

export const ACCOUNT = { systemId: 'otpgate', password: 'secret' } as const;

/** Short backoffs and waits so failures show in milliseconds; still generous for a busy 2-core machine. */
export const QUICK = {
  source_addr: 'OTPGATE',
  tps: 0,
  rebind_min_ms: 20,
  rebind_max_ms: 200,
  bind_wait_ms: 3_000,
  submit_timeout_ms: 3_000,
  throttle_backoff_ms: 5,
} as const;

const servers: TestSmppServer[] = [];
const providers: SmsProvider[] = [];

export async function smsc(options: Partial<SmppServerOptions> = {}): Promise<TestSmppServer> {
  const server = await startSmppServer({ ...ACCOUNT, ...options });
  servers.push(server);
  return server;
}

export function providerFor(
  server: TestSmppServer,
  params: Record<string, string | number> = {},
  account?: { systemId?: string; password?: string },
): SmsProvider {
  const provider = createSmppProvider(parseSmppUrl(server.url({ ...QUICK, ...params }, account)), {
    name: 'smpp-test',
  });
  providers.push(provider);
  return provider;
}

/** For afterEach: providers first (they unbind), then the servers. */
export async function closeAll(): Promise<void> {
  await Promise.all(providers.splice(0).map((provider) => provider.close()));
  await Promise.all(servers.splice(0).map((server) => server.close()));
}

export function otp(text: string, to = '+249912345678'): OutgoingSms {
  return { id: randomUUID(), to, text, kind: 'otp' };
}

/** Resolves with the first `count` receipts the provider emits. */
export function receipts(
  provider: SmsProvider,
  count: number,
  timeoutMs = 15_000, // a ceiling, not a pace: generous for a busy 2-core CI machine
): Promise<DeliveryReceipt[]> {
  const seen: DeliveryReceipt[] = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`expected ${count} receipts, got ${seen.length}: ${JSON.stringify(seen)}`)),
      timeoutMs,
    );
    provider.onReceipt?.((receipt) => {
      seen.push(receipt);
      if (seen.length === count) {
        clearTimeout(timer);
        resolve(seen);
      }
    });
  });
}

/** The SmsError a promise rejects with (fails the test if it resolves or throws something else). */
export async function smsErrorOf(promise: Promise<unknown>): Promise<SmsError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof SmsError) return error;
    throw error;
  }
  throw new Error('expected an SmsError, but the send succeeded');
}
