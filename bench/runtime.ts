/**
 * The compiled service as an operator runs it (`node dist/server.js`): time from spawn to a 200 on /readyz,
 * resident memory idle and under load (autocannon starting verifications for 10 s), on PGlite and, when
 * DATABASE_URL is set, on PostgreSQL. Run `npm run build` first.
 *
 *   npm run bench:runtime
 *   DATABASE_URL=postgres://... npm run bench:runtime
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { freePort } from '../test/support/free-port.js';

const KEY = 'bench-client-key-0123456789abcdef';
const LOAD_SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const MOBILE_PREFIXES = ['50', '52', '54', '55', '56', '58'];

/** Resident set of the process, in MiB (Linux /proc). */
function rssMiB(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').match(/^VmRSS:\s+(\d+) kB/m);
  return Math.round(Number(line?.[1] ?? 0) / 1024);
}

async function measure(database: 'pglite' | 'postgres') {
  const dataDir = mkdtempSync(join(tmpdir(), 'otpgate-bench-runtime-'));
  const port = await freePort();
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    PORT: String(port),
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    LOG_LEVEL: 'warn',
    BOOTSTRAP_CLIENT: `bench:${KEY}`,
    RATE_LIMIT_IP_PER_MINUTE: '1000000',
    RATE_LIMIT_CLIENT_PER_MINUTE: '10000000',
    GUARD_MAX_UNCONVERTED: '100000',
    SEND_BUDGET_TENANT_PER_DAY: '100000000',
    SEND_BUDGET_COUNTRY_PER_HOUR: '100000000',
    ...(database === 'postgres' ? { DATABASE_URL: process.env.DATABASE_URL } : {}),
  };
  const started = performance.now();
  const child: ChildProcess = spawn(
    process.execPath,
    ['--max-semi-space-size=8', '--max-old-space-size=1024', 'dist/server.js'],
    {
      env,
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  // The dev outbox echoes every code on stderr: kept only to say why a start failed.
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString('utf8')).slice(-2000)));
  const pid = child.pid ?? 0;
  const exited = new Promise((_, reject) =>
    child.once('exit', (code) =>
      reject(new Error(`the server exited (${code}) before it was ready: ${stderr}`)),
    ),
  );
  exited.catch(() => undefined);
  for (;;) {
    if (child.exitCode !== null) await exited;
    const ready = await fetch(`http://127.0.0.1:${port}/readyz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) break;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const startupMs = Math.round(performance.now() - started);
  await new Promise((resolve) => setTimeout(resolve, 2000));
  const idle = rssMiB(pid);
  let peak = idle;
  const sampler = setInterval(() => (peak = Math.max(peak, rssMiB(pid))), 250);
  let n = 0;
  const result = await autocannon({
    url: `http://127.0.0.1:${port}`,
    duration: LOAD_SECONDS,
    connections: 20,
    requests: [
      {
        method: 'POST',
        path: '/v1/verifications',
        headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
        setupRequest: (request) => ({
          ...request,
          body: JSON.stringify({
            // Six UAE mobile prefixes (the guard counts per prefix); until 2026-12-04 one in six was "510...",
            // not a number, and counted among the non-2xx.
            to: `+971${MOBILE_PREFIXES[n++ % 6]}${String(1_000_000 + (n % 9_000_000)).slice(-7)}`,
            purpose: 'login',
          }),
        }),
      },
    ],
  });
  clearInterval(sampler);
  const loaded = rssMiB(pid);
  child.kill('SIGTERM');
  await new Promise((resolve) => child.once('exit', resolve));
  rmSync(dataDir, { recursive: true, force: true });
  return {
    database,
    startupMs,
    idle,
    peak: Math.max(peak, loaded),
    rps: Math.round(result.requests.average),
    non2xx: result.non2xx,
  };
}

const runs = [await measure('pglite')];
if (process.env.DATABASE_URL) runs.push(await measure('postgres'));
console.log('| database | start to /readyz ms | idle RSS MiB | RSS under load MiB | starts/s | non-2xx |');
console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
for (const r of runs)
  console.log(`| ${r.database} | ${r.startupMs} | ${r.idle} | ${r.peak} | ${r.rps} | ${r.non2xx} |`);
