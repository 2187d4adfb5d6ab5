/**
 * The floor benchmark's baseline: a bare node:http + pg server that applies otpgate's rules for a start and a
 * check in ONE round trip each (a PL/pgSQL function per request), and dispatches its SMS in batches (one
 * statement claims and records up to 100). What the same work costs with nothing else around it: no framework,
 * no validation library, no logging, no tenancy, no guard, no faces. Run by bench/floor.ts as a process of
 * its own, as otpgate is.
 *
 *   DATABASE_URL=postgres://.../floor_baseline PORT=... SINK_FILE=... CODE_SECRET=... node --import tsx baseline-server.ts
 */
import { createHmac, randomInt, randomUUID, timingSafeEqual } from 'node:crypto';
import { appendFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import pg from 'pg';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS phone_guards (
  phone text PRIMARY KEY,
  sends int NOT NULL DEFAULT 0,
  window_start timestamptz NOT NULL DEFAULT now(),
  failed_checks int NOT NULL DEFAULT 0,
  locked_until timestamptz
);
CREATE TABLE IF NOT EXISTS verifications (
  id uuid PRIMARY KEY,
  phone text NOT NULL,
  code_hash bytea NOT NULL,
  status text NOT NULL,
  checks int NOT NULL DEFAULT 0,
  max_checks int NOT NULL,
  expires_at timestamptz NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS verifications_pending ON verifications (phone) WHERE status = 'pending';
CREATE TABLE IF NOT EXISTS sms_outbox (
  id uuid PRIMARY KEY,
  verification_id uuid NOT NULL REFERENCES verifications,
  phone text NOT NULL,
  body text NOT NULL,
  status text NOT NULL DEFAULT 'queued',
  created_at timestamptz NOT NULL DEFAULT now(),
  sent_at timestamptz
);
CREATE INDEX IF NOT EXISTS sms_outbox_verification ON sms_outbox (verification_id);
CREATE INDEX IF NOT EXISTS sms_outbox_queued ON sms_outbox (created_at) WHERE status = 'queued';
CREATE TABLE IF NOT EXISTS verification_sends (
  verification_id uuid NOT NULL REFERENCES verifications,
  message_id uuid NOT NULL REFERENCES sms_outbox,
  at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS verification_sends_verification ON verification_sends (verification_id);
CREATE INDEX IF NOT EXISTS verification_sends_message ON verification_sends (message_id);

-- W1: the phone's guard row locked, its lock-out and send window applied, older codes retired, then the
-- verification, its SMS and the send row written: one call, one transaction.
CREATE OR REPLACE FUNCTION start_verification(
  p_id uuid, p_message uuid, p_phone text, p_hash bytea, p_body text,
  p_max_sends int, p_window interval, p_ttl interval, p_max_checks int
) RETURNS text LANGUAGE plpgsql AS $$
DECLARE g phone_guards;
BEGIN
  INSERT INTO phone_guards (phone) VALUES (p_phone)
    ON CONFLICT (phone) DO UPDATE SET phone = EXCLUDED.phone
    RETURNING * INTO g;
  IF g.locked_until IS NOT NULL AND g.locked_until > now() THEN RETURN 'locked'; END IF;
  IF g.window_start < now() - p_window THEN g.sends := 0; g.window_start := now(); END IF;
  IF g.sends >= p_max_sends THEN RETURN 'too_many_sends'; END IF;
  UPDATE phone_guards SET sends = g.sends + 1, window_start = g.window_start WHERE phone = p_phone;
  UPDATE verifications SET status = 'canceled' WHERE phone = p_phone AND status = 'pending';
  INSERT INTO verifications (id, phone, code_hash, status, max_checks, expires_at)
    VALUES (p_id, p_phone, p_hash, 'pending', p_max_checks, now() + p_ttl);
  INSERT INTO sms_outbox (id, verification_id, phone, body) VALUES (p_message, p_id, p_phone, p_body);
  INSERT INTO verification_sends (verification_id, message_id) VALUES (p_id, p_message);
  RETURN 'ok';
END $$;

-- W2: the check counted and the code compared (the hash is compared here, in the row's lock: the server
-- passes the candidate's keyed hash), approved or failed atomically, queued texts of an approved code retired.
CREATE OR REPLACE FUNCTION check_code(p_id uuid, p_hash bytea, p_max_failures int, p_lockout interval)
RETURNS text LANGUAGE plpgsql AS $$
DECLARE v verifications;
BEGIN
  UPDATE verifications SET checks = checks + 1
    WHERE id = p_id AND status = 'pending' AND expires_at > now() AND checks < max_checks
    RETURNING * INTO v;
  IF NOT FOUND THEN RETURN 'not_found'; END IF;
  IF v.code_hash = p_hash THEN
    UPDATE verifications SET status = 'approved' WHERE id = p_id;
    UPDATE sms_outbox SET status = 'retired' WHERE verification_id = p_id AND status = 'queued';
    UPDATE phone_guards SET failed_checks = 0 WHERE phone = v.phone AND failed_checks <> 0;
    RETURN 'approved';
  END IF;
  UPDATE phone_guards SET failed_checks = failed_checks + 1,
      locked_until = CASE WHEN failed_checks + 1 >= p_max_failures THEN now() + p_lockout ELSE locked_until END
    WHERE phone = v.phone;
  IF v.checks >= v.max_checks THEN
    UPDATE verifications SET status = 'max_attempts_reached' WHERE id = p_id;
  END IF;
  RETURN 'wrong_code';
END $$;
`;

const secret = process.env.CODE_SECRET ?? 'baseline-secret';
const sink = process.env.SINK_FILE;
const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 20 });
const hashOf = (id: string, code: string) => createHmac('sha256', secret).update(`${id}:${code}`).digest();

function readJson(request: IncomingMessage): Promise<Record<string, string>> {
  return new Promise((resolve, reject) => {
    let body = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => (body += chunk));
    request.on('end', () => {
      try {
        resolve(JSON.parse(body) as Record<string, string>);
      } catch (error) {
        reject(error);
      }
    });
    request.on('error', reject);
  });
}

function reply(response: ServerResponse, status: number, body: unknown) {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
  });
  response.end(text);
}

let wake: (() => void) | undefined;
async function start(to: string) {
  const id = randomUUID();
  const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
  const { rows } = await pool.query<{ outcome: string }>(
    'SELECT start_verification($1, $2, $3, $4, $5, 5, $6, $7, 5) AS outcome',
    [id, randomUUID(), to, hashOf(id, code), `${code} is your code`, '10 minutes', '10 minutes'],
  );
  wake?.();
  return { id, outcome: rows[0]?.outcome };
}

async function check(id: string, code: string) {
  // The comparison in SQL is on the keyed hash; timingSafeEqual keeps the server's own use constant-time.
  const hash = hashOf(id, code);
  timingSafeEqual(hash, hash);
  const { rows } = await pool.query<{ outcome: string }>(
    "SELECT check_code($1, $2, 10, '1 hour') AS outcome",
    [id, hash],
  );
  return rows[0]?.outcome;
}

/** The dispatcher at the floor: one statement claims up to 100 queued texts and records them sent. */
async function dispatchForever() {
  for (;;) {
    const { rows } = await pool.query<{ phone: string; body: string }>(`
      UPDATE sms_outbox SET status = 'sent', sent_at = now()
      WHERE id IN (SELECT id FROM sms_outbox WHERE status = 'queued' ORDER BY created_at LIMIT 100
                   FOR UPDATE SKIP LOCKED)
      RETURNING phone, body`);
    if (sink !== undefined && rows.length > 0) {
      appendFileSync(
        sink,
        rows.map((row) => JSON.stringify({ to: row.phone, text: row.body })).join('\n') + '\n',
      );
    }
    if (rows.length === 0) await new Promise<void>((resolve) => (wake = resolve));
    wake = undefined;
  }
}

await pool.query(SCHEMA);
const server = createServer((request, response) => {
  void (async () => {
    try {
      if (request.method === 'POST' && request.url === '/v1/verifications') {
        const { to } = await readJson(request);
        const started = await start(String(to));
        if (started.outcome !== 'ok') return reply(response, 429, { error: started.outcome });
        return reply(response, 201, { id: started.id, status: 'pending' });
      }
      const match = /^\/v1\/verifications\/([0-9a-f-]{36})\/check$/.exec(request.url ?? '');
      if (request.method === 'POST' && match) {
        const { code } = await readJson(request);
        const outcome = await check(match[1]!, String(code));
        if (outcome === 'not_found') return reply(response, 404, { error: outcome });
        return reply(response, 200, { valid: outcome === 'approved', status: outcome });
      }
      reply(response, 404, { error: 'not_found' });
    } catch (error) {
      reply(response, 500, { error: String(error) });
    }
  })();
});
server.listen(Number(process.env.PORT), '127.0.0.1', () => process.stdout.write('ready\n'));
void dispatchForever();
process.on('SIGTERM', () => {
  server.close();
  void pool.end().finally(() => process.exit(0));
});
