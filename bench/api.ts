/**
 * API load benchmark (autocannon on loopback). Prints req/s and p50/p99 latency for otpgate's hot
 * paths beside a baseline measured in the same run: a bare Fastify route answering a constant JSON,
 * i.e. what HTTP alone costs on this machine. Ratios are what to compare across runs.
 *
 *   npm run bench:api                  # PGlite in a temp dir
 *   DATABASE_URL=postgres://... npm run bench:api
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon, { type Result } from 'autocannon';
import Fastify from 'fastify';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';

const DURATION_S = Number(process.env.BENCH_SECONDS ?? 8);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 20);
const KEY = 'bench-client-key-0123456789abcdef';
const AUTH = { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' };

let phoneCounter = 0;
/** Every request a new valid number, so per-phone limits never trigger. */
const nextPhone = () =>
  `+9715${['0', '2', '4', '5', '6', '8'][phoneCounter % 6]}${String(1_000_000 + (phoneCounter++ % 9_000_000)).slice(-7)}`;

function run(name: string, options: autocannon.Options): Promise<Result> {
  return new Promise((resolve, reject) => {
    autocannon({ duration: DURATION_S, connections: CONNECTIONS, ...options }, (error, result) =>
      error ? reject(error) : resolve(result),
    );
  }).then((result) => {
    const r = result as Result;
    if (r.non2xx > 0) console.warn(`  ${name}: ${r.non2xx} non-2xx replies`);
    return r;
  });
}

function row(name: string, result: Result, baseline: Result): string {
  const ratio = result.requests.average / baseline.requests.average;
  return `| ${name} | ${result.requests.average.toFixed(0)} | ${result.latency.p50} | ${result.latency.p99} | ${ratio.toFixed(3)} |`;
}

async function main(): Promise<void> {
  // Baseline: the same HTTP stack with no work behind it.
  const bare = Fastify();
  bare.get('/', async () => ({ status: 'ok' }));
  const bareUrl = await bare.listen({ port: 0, host: '127.0.0.1' });

  const dataDir = mkdtempSync(join(tmpdir(), 'otpgate-bench-'));
  const config = loadConfig({
    ...process.env,
    DATA_DIR: dataDir,
    LOG_LEVEL: 'warn',
    BOOTSTRAP_CLIENT: `bench:${KEY}`,
    RATE_LIMIT_IP_PER_MINUTE: '1000000',
    RATE_LIMIT_CLIENT_PER_MINUTE: '10000000',
    MAX_SENDS_PER_PHONE: '100',
  });
  const app = await buildApp({ config, devEcho: null });
  const url = await app.http.listen({ port: 0, host: '127.0.0.1' });

  // One verification to read and check repeatedly (a wrong code spends it, so reads use GET).
  const started = await app.http.inject({
    method: 'POST',
    url: '/v1/verifications',
    headers: AUTH,
    payload: { to: nextPhone() },
  });
  const verificationId = (started.json() as { id: string }).id;

  const baseline = await run('baseline', { url: bareUrl });
  const health = await run('healthz', { url: `${url}/healthz` });
  const read = await run('get verification', {
    url: `${url}/v1/verifications/${verificationId}`,
    headers: AUTH,
  });
  const start = await run('start verification', {
    url: `${url}/v1/verifications`,
    method: 'POST',
    headers: AUTH,
    requests: [{ setupRequest: (request) => ({ ...request, body: JSON.stringify({ to: nextPhone() }) }) }],
  });

  console.log(
    `\nAPI benchmark — ${app.database.driver}, ${CONNECTIONS} connections, ${DURATION_S} s each, loopback\n`,
  );
  console.log('| endpoint | req/s | p50 ms | p99 ms | ratio to baseline |');
  console.log('|---|---|---|---|---|');
  console.log(row('baseline: bare Fastify JSON', baseline, baseline));
  console.log(row('GET /healthz (database ping)', health, baseline));
  console.log(row('GET /v1/verifications/{id}', read, baseline));
  console.log(row('POST /v1/verifications (code + outbox row + SMS)', start, baseline));

  await app.close();
  await bare.close();
  rmSync(dataDir, { recursive: true, force: true });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
