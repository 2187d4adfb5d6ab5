/**
 * The floor benchmark (issue 14): otpgate, compiled and started as in production, beside a baseline and a
 * peer measured in the same run on the same PostgreSQL, each a process of its own on loopback:
 *
 * - baseline: bare node:http + pg applying the same rules in one round trip per request, dispatching in batches
 *   (bench/floor/baseline-server.ts): the floor of this design on this machine;
 * - peer: better-auth's phone-number plugin (bench/floor/peer-server.ts), its own rate limiting off.
 *
 * Workloads: W1 start a verification, W2 check the right code (each request a new number), W3 both in turn
 * (a start, then a check of a code texted before), and W4 register a customer (otpgate only: argon2id dominates it, so it is reported apart). Rounds interleave the servers;
 * the medians are printed with the ratios otpgate/baseline and otpgate/peer, then otpgate on PGlite against
 * otpgate on PostgreSQL. SMS go to each server's sink file (otpgate's development outbox), which costs
 * nothing a provider would not. otpgate's limits are raised for the run (distinct numbers, one client).
 *
 *   npm run bench                                        # PostgreSQL on 127.0.0.1:5432, user postgres
 *   BENCH_DATABASE_URL=postgres://u:p@host:5432/any npm run bench
 *   BENCH_SECONDS=10 BENCH_ROUNDS=3 BENCH_CHECKS=3000 BENCH_CONNECTIONS=20 BENCH_PGLITE=0 npm run bench
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon, { type Result } from 'autocannon';
import pg from 'pg';
import { freePort } from '../test/support/free-port.js';

const SERVER_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CHECKS = Number(process.env.BENCH_CHECKS ?? 4000);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 20);
const WITH_PGLITE = process.env.BENCH_PGLITE !== '0';
const ROOT = join(import.meta.dirname, '..');
const KEY = 'floor-bench-client-key-0123456789abcdef';
const work = mkdtempSync(join(tmpdir(), 'otpgate-floor-'));

interface Server {
  name: string;
  origin: string;
  process: ChildProcess;
  sink: string;
  startPath: string;
  startBody: (to: string) => object;
  headers: Record<string, string>;
  /** The check request for a started verification. */
  check: (started: Started) => { path: string; body: object };
}
interface Started {
  to: string;
  id: string;
  code: string;
}
interface Figures {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  rssMiB: number;
  /** Requests answered 2xx. */
  answered: number;
  /** W1: texts of the run's starts not yet in the sink when its last answer came (a dispatcher behind). */
  unsent?: number;
}

let phoneCounter = 0;
/** A new valid UAE mobile number for each request, over six prefixes (the guard counts per prefix). */
const nextPhone = () => {
  phoneCounter += 1;
  const prefix = ['50', '52', '54', '55', '56', '58'][phoneCounter % 6];
  return `+971${prefix}${String(1_000_000 + (phoneCounter % 9_000_000)).slice(-7)}`;
};

function databaseUrl(name: string): string {
  const url = new URL(SERVER_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

async function freshDatabase(name: string): Promise<string> {
  const admin = new pg.Client({ connectionString: SERVER_URL });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  return databaseUrl(name);
}

/**
 * A server process; its stderr (otpgate's development SMS echo among it) goes to a file, shown only if it
 * fails. Not a pipe: this process also generates the load, and reading a line per text would slow it for
 * otpgate alone.
 */
function launch(name: string, command: string, args: string[], env: Record<string, string>): ChildProcess {
  const errors = join(work, `${name}.stderr`);
  const stderr = openSync(errors, 'a');
  const child = spawn(command, args, {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', stderr],
  });
  closeSync(stderr); // the child holds its own copy
  child.once('exit', (code, signal) => {
    if (code !== 0 && signal !== 'SIGTERM')
      process.stderr.write(
        `${args.join(' ')} exited ${code}:\n${readFileSync(errors, 'utf8').slice(-4000)}\n`,
      );
  });
  return child;
}

/** Resolves once the server answers (otpgate's /readyz) or says "ready" (the others). */
async function ready(child: ChildProcess, origin: string, probe?: string): Promise<void> {
  if (probe === undefined) {
    await new Promise<void>((resolve, reject) => {
      child.stdout?.on('data', (chunk: Buffer) => chunk.toString().includes('ready') && resolve());
      child.once('exit', (code) => reject(new Error(`exited ${code} before it was ready`)));
    });
    return;
  }
  child.stdout?.resume();
  for (;;) {
    if (child.exitCode !== null) throw new Error(`exited ${child.exitCode} before it was ready`);
    const ok = await fetch(`${origin}${probe}`).then(
      (reply) => reply.ok,
      () => false,
    );
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function startOtpgate(name: string, database: string | undefined): Promise<Server> {
  const port = await freePort();
  const dataDir = join(work, name);
  const child = launch(
    name,
    'node',
    ['--max-semi-space-size=8', '--max-old-space-size=1024', 'dist/server.js'],
    {
      ...(database === undefined ? {} : { DATABASE_URL: database }),
      DATA_DIR: dataDir,
      PORT: String(port),
      HOST: '127.0.0.1',
      CODE_SECRET: randomBytes(32).toString('base64url'),
      BOOTSTRAP_CLIENT: `bench:${KEY}`,
      LOG_LEVEL: 'warn',
      // Raised for the run: one client from one address sends to thousands of numbers in seconds.
      RATE_LIMIT_IP_PER_MINUTE: '1000000',
      RATE_LIMIT_CLIENT_PER_MINUTE: '10000000',
      SEND_BUDGET_TENANT_PER_DAY: '100000000',
      SEND_BUDGET_COUNTRY_PER_HOUR: '100000000',
      GUARD_MAX_UNCONVERTED: '100000',
    },
  );
  const origin = `http://127.0.0.1:${port}`;
  await ready(child, origin, '/readyz');
  return {
    name,
    origin,
    process: child,
    sink: join(dataDir, 'sms-outbox.jsonl'),
    startPath: '/v1/verifications',
    startBody: (to) => ({ to }),
    headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
    check: ({ id, code }) => ({ path: `/v1/verifications/${id}/check`, body: { code } }),
  };
}

async function startScript(
  name: string,
  script: string,
  database: string,
): Promise<ChildProcess & { port: number }> {
  const port = await freePort();
  const child = launch(name, 'node', ['--import', 'tsx', script], {
    DATABASE_URL: database,
    PORT: String(port),
    SINK_FILE: join(work, `${name}.jsonl`),
    CODE_SECRET: randomBytes(32).toString('base64url'),
  });
  await ready(child, `http://127.0.0.1:${port}`);
  return Object.assign(child, { port });
}

async function startBaseline(): Promise<Server> {
  const child = await startScript(
    'baseline',
    'bench/floor/baseline-server.ts',
    await freshDatabase('floor_baseline'),
  );
  return {
    name: 'baseline',
    origin: `http://127.0.0.1:${child.port}`,
    process: child,
    sink: join(work, 'baseline.jsonl'),
    startPath: '/v1/verifications',
    startBody: (to) => ({ to }),
    headers: { 'content-type': 'application/json' },
    check: ({ id, code }) => ({ path: `/v1/verifications/${id}/check`, body: { code } }),
  };
}

async function startPeer(): Promise<Server> {
  const child = await startScript(
    'better-auth',
    'bench/floor/peer-server.ts',
    await freshDatabase('floor_peer'),
  );
  return {
    name: 'better-auth',
    origin: `http://127.0.0.1:${child.port}`,
    process: child,
    sink: join(work, 'better-auth.jsonl'),
    startPath: '/api/auth/phone-number/send-otp',
    startBody: (to) => ({ phoneNumber: to }),
    headers: { 'content-type': 'application/json' },
    check: ({ to, code }) => ({
      path: '/api/auth/phone-number/verify',
      body: { phoneNumber: to, code, disableSession: true },
    }),
  };
}

function rssMiB(child: ChildProcess): number {
  const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
  return Math.round(Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024);
}

async function load(server: Server, options: Omit<autocannon.Options, 'url'>): Promise<Figures> {
  // Timed from the first request to the last answer: autocannon's own finish waits for its next whole-second
  // tick, so a run of a few thousand checks came out as 4000 / 5.02 s or 4000 / 4.02 s, nothing between.
  let first = 0;
  let last = 0;
  const requests = (options.requests ?? []).map((request) => ({
    ...request,
    setupRequest: (req: autocannon.Request, context: object) => {
      first ||= performance.now();
      return typeof request.setupRequest === 'function' ? request.setupRequest(req, context) : req;
    },
    onResponse: () => {
      last = performance.now();
    },
  }));
  const result = await new Promise<Result>((resolve, reject) =>
    autocannon({ connections: CONNECTIONS, ...options, requests, url: server.origin }, (error, done) =>
      error ? reject(error) : resolve(done),
    ),
  );
  return {
    rps: result.requests.total / ((last - first) / 1000),
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.non2xx + result.errors + result.timeouts,
    rssMiB: rssMiB(server.process),
    answered: result['2xx'],
  };
}

/** The texts a server has sent so far: lines in its sink. */
function textsIn(sink: string): number {
  if (!existsSync(sink)) return 0;
  const content = readFileSync(sink);
  let lines = 0;
  for (let at = content.indexOf(10); at !== -1; at = content.indexOf(10, at + 1)) lines++;
  return lines;
}

/** A start of a verification to a new number. */
const startRequest = (server: Server): autocannon.Request => ({
  method: 'POST',
  path: server.startPath,
  headers: server.headers,
  setupRequest: (request) => ({ ...request, body: JSON.stringify(server.startBody(nextPhone())) }),
});

/**
 * W1, and how far the server's texts lag its answers: a server whose dispatcher falls behind answers starts
 * faster than it can carry them (otpgate's did, until 2026-12-04: half its W1 texts still queued).
 */
async function w1(server: Server): Promise<Figures> {
  const before = textsIn(server.sink);
  const figures = await load(server, { duration: SECONDS, requests: [startRequest(server)] });
  return { ...figures, unsent: Math.max(0, figures.answered - (textsIn(server.sink) - before)) };
}

/** The codes each number was texted, from the server's sink (one JSON line per SMS). */
function codesIn(sink: string): Map<string, string> {
  const codes = new Map<string, string>();
  if (!existsSync(sink)) return codes;
  for (const line of readFileSync(sink, 'utf8').split('\n')) {
    if (line === '') continue;
    const { to, text } = JSON.parse(line) as { to: string; text: string };
    const code = /\b(\d{6})\b/.exec(text)?.[1];
    if (code !== undefined) codes.set(to, code);
  }
  return codes;
}

/** CHECKS verifications started ahead (20 at a time), each with the code its SMS carried. */
async function prepareChecks(server: Server): Promise<Started[]> {
  const started: { to: string; id: string }[] = [];
  const startOne = async () => {
    const to = nextPhone();
    const reply = await fetch(`${server.origin}${server.startPath}`, {
      method: 'POST',
      headers: server.headers,
      body: JSON.stringify(server.startBody(to)),
    });
    const body = (await reply.json()) as { id?: string };
    started.push({ to, id: body.id ?? '' });
  };
  for (let sent = 0; sent < CHECKS; sent += 20) {
    await Promise.all(Array.from({ length: Math.min(20, CHECKS - sent) }, startOne));
  }
  for (;;) {
    const codes = codesIn(server.sink);
    if (started.every(({ to }) => codes.has(to))) {
      return started.map((one) => ({ ...one, code: codes.get(one.to)! }));
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Checks of the right code for verifications started ahead, one after another. */
function checkRequests(server: Server, prepared: Started[]): autocannon.Request {
  let next = 0;
  return {
    method: 'POST',
    headers: server.headers,
    setupRequest: (request) => {
      const { path, body } = server.check(prepared[next++ % prepared.length]!);
      return { ...request, path, body: JSON.stringify(body) };
    },
  };
}

async function w2(server: Server): Promise<Figures> {
  const prepared = await prepareChecks(server);
  return load(server, { amount: prepared.length, requests: [checkRequests(server, prepared)] });
}

/**
 * Starts and checks in turn on each connection, as a sign-in storm brings them: each start to a new number,
 * each check of a code texted before the run (its own start's text would time the SMS path, not the API).
 */
async function w3(server: Server): Promise<Figures> {
  const prepared = await prepareChecks(server);
  return load(server, {
    amount: 2 * prepared.length,
    requests: [startRequest(server), checkRequests(server, prepared)],
  });
}

let customerCounter = 0;
const w4 = (server: Server) =>
  load(server, {
    duration: SECONDS,
    requests: [
      {
        method: 'POST',
        path: '/v1/customers',
        headers: server.headers,
        setupRequest: (request) => {
          customerCounter += 1;
          return {
            ...request,
            body: JSON.stringify({
              nameEn: `Bench Customer ${customerCounter}`,
              email: `bench${customerCounter}@example.com`,
              phone: nextPhone(),
              password: 'correct horse battery staple',
            }),
          };
        },
      },
    ],
  });

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
function summary(runs: Figures[]): Figures {
  return {
    rps: median(runs.map((run) => run.rps)),
    p50: median(runs.map((run) => run.p50)),
    p99: median(runs.map((run) => run.p99)),
    errors: runs.reduce((sum, run) => sum + run.errors, 0),
    rssMiB: Math.max(...runs.map((run) => run.rssMiB)),
    answered: median(runs.map((run) => run.answered)),
    ...(runs[0]?.unsent === undefined ? {} : { unsent: median(runs.map((run) => run.unsent ?? 0)) }),
  };
}
const row = (cells: (string | number)[]) => `| ${cells.join(' | ')} |`;
const ratio = (a: number, b: number) => (b === 0 ? '—' : `${(a / b).toFixed(2)}x`);

/** PostgreSQL's autovacuum setting: off, no table of the run is analyzed or vacuumed while it runs. */
async function autovacuum(): Promise<string> {
  const client = new pg.Client({ connectionString: SERVER_URL });
  await client.connect();
  const { rows } = await client.query<{ autovacuum: string }>('SHOW autovacuum');
  await client.end();
  return rows[0]?.autovacuum ?? 'unknown';
}

async function main() {
  console.log(
    `floor benchmark: ${SECONDS} s per run, ${ROUNDS} rounds, ${CONNECTIONS} connections, ${CHECKS} checks per W2; ` +
      `PostgreSQL autovacuum ${await autovacuum()}`,
  );
  const otpgate = await startOtpgate('otpgate', await freshDatabase('floor_otpgate'));
  const servers = [await startBaseline(), otpgate, await startPeer()];
  const results = new Map<string, Figures[]>();
  const record = (key: string, figures: Figures) => {
    results.set(key, [...(results.get(key) ?? []), figures]);
    // Each run as it ends: a median hides a run that went wrong.
    console.log(`  ${key}: ${Math.round(figures.rps)} req/s, p99 ${figures.p99} ms`);
  };
  /** A short W1 not recorded: compiled code, pools and caches warm before the first round. */
  const warmUp = (server: Server) => load(server, { duration: 2, requests: [startRequest(server)] });
  try {
    for (const server of servers) await warmUp(server);
    for (let round = 0; round < ROUNDS; round += 1) {
      // Interleaved, each round in another order: a slow moment of the machine falls on each in turn.
      const order = servers.map((_, index) => servers[(index + round) % servers.length]!);
      for (const server of order) {
        record(`W1 ${server.name}`, await w1(server));
        record(`W2 ${server.name}`, await w2(server));
        record(`W3 ${server.name}`, await w3(server));
      }
      console.log(`round ${round + 1} of ${ROUNDS} done`);
    }
    // After the rounds: argon2id's memory (19 MiB per hash, one per thread of the pool) stays with the
    // process's allocator once used, and would be read as the RSS of the workloads after it.
    for (let round = 0; round < ROUNDS; round += 1) record('W4 otpgate', await w4(otpgate));
    if (WITH_PGLITE) {
      otpgate.process.kill('SIGTERM');
      const lite = await startOtpgate('otpgate-pglite', undefined);
      servers.push(lite);
      await warmUp(lite);
      for (let round = 0; round < ROUNDS; round += 1) {
        record('W1 otpgate-pglite', await w1(lite));
        record('W2 otpgate-pglite', await w2(lite));
        record('W3 otpgate-pglite', await w3(lite));
      }
    }
  } finally {
    for (const server of servers) server.process.kill('SIGTERM');
  }

  console.log(
    `\n${row(['workload', 'server', 'req/s', 'p50 ms', 'p99 ms', 'errors', 'RSS MiB', 'unsent', 'otpgate/this'])}`,
  );
  console.log(row(['---', '---', '---:', '---:', '---:', '---:', '---:', '---:', '---:']));
  for (const workload of ['W1', 'W2', 'W3', 'W4']) {
    const ours = results.get(`${workload} otpgate`);
    for (const name of ['baseline', 'otpgate', 'better-auth', 'otpgate-pglite']) {
      const runs = results.get(`${workload} ${name}`);
      if (runs === undefined || ours === undefined) continue;
      const s = summary(runs);
      const o = summary(ours);
      const versus =
        name === 'otpgate'
          ? '1.00x'
          : name === 'otpgate-pglite'
            ? `pglite/pg ${ratio(s.rps, o.rps)}`
            : ratio(o.rps, s.rps);
      console.log(
        row([workload, name, Math.round(s.rps), s.p50, s.p99, s.errors, s.rssMiB, s.unsent ?? '', versus]),
      );
    }
  }
}

try {
  await main();
} finally {
  rmSync(work, { recursive: true, force: true });
}
