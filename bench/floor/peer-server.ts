/**
 * The floor benchmark's peer: better-auth with its phone-number plugin, on its own PostgreSQL database,
 * served by node:http, as a process of its own. Its sendOTP writes each code to a sink file (what otpgate's
 * development outbox does), its own rate limiting is off (otpgate's limits are raised for the run instead),
 * and a verify signs the number up without a session (`signUpOnVerification`, `disableSession`): otherwise
 * a number with no user fails, and a session is work otpgate does not do.
 *
 *   DATABASE_URL=postgres://.../floor_peer PORT=... SINK_FILE=... node --import tsx peer-server.ts
 */
import { appendFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { betterAuth } from 'better-auth';
import { getMigrations } from 'better-auth/db/migration';
import { toNodeHandler } from 'better-auth/node';
import { phoneNumber } from 'better-auth/plugins';
import pg from 'pg';

const port = Number(process.env.PORT);
const sink = process.env.SINK_FILE;

const auth = betterAuth({
  baseURL: `http://127.0.0.1:${port}`,
  secret: 'floor-benchmark-secret-0123456789abcdef',
  database: new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 20 }),
  rateLimit: { enabled: false },
  telemetry: { enabled: false },
  logger: { disabled: true },
  plugins: [
    phoneNumber({
      sendOTP: ({ phoneNumber: to, code }) => {
        if (sink !== undefined)
          appendFileSync(sink, `${JSON.stringify({ to, text: `${code} is your code` })}\n`);
      },
      signUpOnVerification: {
        getTempEmail: (to) => `${to.replace(/\D/g, '')}@floor.invalid`,
      },
    }),
  ],
});

const { runMigrations } = await getMigrations(auth.options);
await runMigrations();

const handler = toNodeHandler(auth);
const server = createServer((request, response) => void handler(request, response));
server.listen(port, '127.0.0.1', () => process.stdout.write('ready\n'));
process.on('SIGTERM', () => {
  server.close();
  process.exit(0);
});
