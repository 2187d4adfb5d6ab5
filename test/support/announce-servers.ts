/**
 * Vitest global setup: says plainly, once per run, which server-backed tests run and which are
 * skipped (and why), since a reporter does not list skipped tests by name.
 */
import { CHROMIUM_PATH, chromiumMissing } from './chromium.js';

export default function announceServers(): void {
  const lines = [
    process.env.TEST_DATABASE_URL
      ? 'PostgreSQL tests: on (TEST_DATABASE_URL)'
      : 'PostgreSQL tests: SKIPPED — TEST_DATABASE_URL is not set (no PostgreSQL server here); they run on PGlite only',
    process.env.TEST_REDIS_URL
      ? 'Redis tests: on (TEST_REDIS_URL)'
      : 'Redis tests: SKIPPED — TEST_REDIS_URL is not set (no Redis server here); rate limits tested in memory only',
    chromiumMissing() || `Console browser tests: on (${CHROMIUM_PATH})`,
  ];
  process.stdout.write(`\n${lines.join('\n')}\n\n`);
}
