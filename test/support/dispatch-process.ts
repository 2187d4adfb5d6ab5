/**
 * A dispatching otpgate node as its own process, for the crash test: builds the app from the environment
 * (DATABASE_URL or DATA_DIR, SMS_PROVIDERS, CODE_SECRET, SMS_LEASE_SECONDS, SMS_CONCURRENCY) and dispatches
 * until it is killed, or until SIGTERM, when it lets the messages in flight finish first.
 *
 *   node --import tsx test/support/dispatch-process.ts
 */
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';

const app = await buildApp({ config: loadConfig(), devEcho: null });
process.stdout.write('dispatching\n');
process.once('SIGTERM', () => {
  void app.close().then(() => process.exit(0));
});
