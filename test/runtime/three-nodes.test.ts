/**
 * Three stateless nodes on one PostgreSQL and one Redis behind a round-robin balancer; one is SIGKILLed in
 * the middle of a burst of 300 starts. The balancer retries a request whose node refused or dropped the
 * connection on the next node (as a load balancer does). Every accepted verification's SMS reaches the SMSC;
 * a duplicate only where the killed node had a submit on the wire (its SMPP window at most); the per-phone
 * rate limit holds across the nodes, which count in Redis.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer as createHttpServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends, type TestDatabase } from '../support/database.js';
import { startSmppServer, type TestSmppServer } from '../support/smpp-server.js';
import { freePort } from '../support/free-port.js';

const postgres = backends.find(({ backend }) => backend.name === 'postgres');
const redisUrl = process.env.TEST_REDIS_URL || undefined;
const SKIP =
  postgres?.skip !== false
    ? (postgres?.skip ?? 'no PostgreSQL')
    : redisUrl === undefined
      ? 'Redis tests skipped: TEST_REDIS_URL is not set'
      : false;
const KEY = 'three-nodes-key-0123456789abcdef';
const WINDOW = 10;
/** Redis keeps per-phone counts between runs: each run texts numbers of its own. */
const RUN = String(Math.floor(Math.random() * 10_000)).padStart(4, '0');

interface Node {
  port: number;
  child: ChildProcess;
}

/** Starts one node and resolves once it answers /readyz. */
async function startNode(env: Record<string, string>): Promise<Node> {
  const port = await freePort();
  const child = spawn(process.execPath, ['dist/server.js'], {
    env: { PATH: process.env.PATH ?? '', ...env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: 'ignore',
  });
  for (;;) {
    if (child.exitCode !== null) throw new Error(`node on ${port} exited with ${child.exitCode}`);
    const ready = await fetch(`http://127.0.0.1:${port}/readyz`).then(
      (reply) => reply.ok,
      () => false,
    );
    if (ready) return { port, child };
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Round robin; a request whose node refuses or drops the connection goes to the next one. */
async function startBalancer(nodes: Node[]): Promise<{ origin: string; server: Server }> {
  let next = 0;
  const server = createHttpServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const first = next++;
      const attempt = (tried: number) => {
        const node = nodes[(first + tried) % nodes.length]!;
        const upstream = httpRequest(
          { host: '127.0.0.1', port: node.port, method: req.method, path: req.url, headers: req.headers },
          (reply) => {
            res.writeHead(reply.statusCode ?? 502, reply.headers);
            reply.pipe(res);
          },
        );
        upstream.on('error', () =>
          tried + 1 < nodes.length ? attempt(tried + 1) : res.writeHead(502).end(),
        );
        upstream.end(body);
      };
      attempt(0);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

describe.skipIf(SKIP !== false)(`three nodes on PostgreSQL and Redis${SKIP ? ` — ${SKIP}` : ''}`, () => {
  let database: TestDatabase;
  let smsc: TestSmppServer;
  const nodes: Node[] = [];
  let balancer: { origin: string; server: Server };
  const dataDir = mkdtempSync(join(tmpdir(), 'otpgate-nodes-'));

  beforeAll(async () => {
    database = await postgres!.backend.open();
    smsc = await startSmppServer({ systemId: 'otpgate', password: 'secret', receiptMode: 'none' });
    const env = {
      DATABASE_URL: database.url ?? '',
      REDIS_URL: redisUrl ?? '',
      DATA_DIR: dataDir,
      CODE_SECRET: 'three-nodes-code-secret-0123456789abcdef',
      BOOTSTRAP_CLIENT: `shop:${KEY}`,
      SMS_PROVIDERS: smsc.url({ source_addr: 'OTPGATE', tps: 0, window: WINDOW }),
      // A killed node's claims come back after this.
      SMS_LEASE_SECONDS: '5',
      LOG_LEVEL: 'warn',
      // A slow, loaded machine is not a database outage: no statement or connection given up for it.
      DATABASE_STATEMENT_TIMEOUT_MS: '120000',
      DATABASE_CONNECT_TIMEOUT_MS: '60000',
      RATE_LIMIT_IP_PER_MINUTE: '100000',
      RATE_LIMIT_CLIENT_PER_MINUTE: '100000',
      RATE_LIMIT_PHONE_PER_MINUTE: '2',
      // 300 codes to one range nobody approves would be pumping: this test is about the nodes, not the guard.
      GUARD_MAX_UNCONVERTED: '100000',
    };
    // The first migrates; the others find the schema current.
    nodes.push(await startNode(env));
    nodes.push(...(await Promise.all([startNode(env), startNode(env)])));
    balancer = await startBalancer(nodes);
  }, 120_000);
  afterAll(async () => {
    for (const node of nodes) node.child.kill('SIGKILL');
    await new Promise((resolve) => balancer?.server.close(resolve));
    await smsc?.close();
    await database?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const start = (to: string) =>
    fetch(`${balancer.origin}/v1/verifications`, {
      method: 'POST',
      headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ to, purpose: 'login' }),
    });

  it('texts every accepted verification once a node dies mid-burst, duplicates bounded by the window', async () => {
    const phones = Array.from({ length: 300 }, (_, n) => `+97155${RUN}${String(n).padStart(3, '0')}`);
    const statuses: number[] = [];
    let next = 0;
    const worker = async () => {
      while (next < phones.length) {
        const n = next++;
        if (n === 100) nodes[1]!.child.kill('SIGKILL');
        statuses[n] = (await start(phones[n]!)).status;
      }
    };
    await Promise.all(Array.from({ length: 20 }, worker));

    expect(statuses.filter((status) => status >= 500)).toEqual([]);
    const accepted = phones.filter((_, n) => statuses[n] === 201);
    expect(accepted.length).toBe(300);
    const received = (phone: string) =>
      smsc.submits.filter((part) => `+${part.destination}` === phone).length;
    await smsc.waitFor(
      () => accepted.every((phone) => received(phone) >= 1),
      'every code at the SMSC',
      60_000,
    );
    const duplicated = accepted.filter((phone) => received(phone) > 1);
    expect(duplicated.length).toBeLessThanOrEqual(WINDOW);
  }, 120_000);

  it('holds the per-phone limit across the nodes: the third start in a minute is refused, whichever node', async () => {
    const phone = `+97155${RUN}999`;
    const replies = [await start(phone), await start(phone), await start(phone)];

    expect(replies.map((reply) => reply.status)).toEqual([201, 201, 429]);
  });
});
