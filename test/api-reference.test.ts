/**
 * The native API's contract and its reader, on one running service: the committed openapi.json is what
 * the service serves and passes Redocly and Spectral with the repository's rules (redocly.yaml,
 * .redocly.lint-ignore.yaml, .spectral.yaml); the API reference at /docs makes no request off the machine
 * (its page and script come from the service, and in Chromium, where installed, every request the rendered
 * page makes goes to the service itself).
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPENAPI_FILE, openApiText } from '../scripts/openapi.js';
import { backends } from './support/database.js';
import { startHarness, type Harness } from './support/harness.js';

const REPO = fileURLToPath(new URL('..', import.meta.url));
const bin = (name: string) => fileURLToPath(new URL(`../node_modules/.bin/${name}`, import.meta.url));
const run = promisify(execFile);

/** A linter's JSON report; it exits non-zero on findings, which the report then lists. */
async function reportOf(command: string, args: string[]): Promise<string> {
  const env = {
    ...process.env,
    // Redocly CLI would otherwise send usage data and look for a newer version on the network.
    REDOCLY_TELEMETRY: 'off',
    REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true',
  };
  try {
    return (await run(command, args, { cwd: REPO, env, timeout: 90_000, killSignal: 'SIGKILL' })).stdout;
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    if (stdout?.trim().startsWith('{') || stdout?.trim().startsWith('[')) return stdout;
    throw new Error(`${command} failed: ${stderr ?? String(error)}`, { cause: error });
  }
}

interface Operation {
  operationId?: string;
  description?: string;
  security?: unknown[];
  responses: Record<string, { description: string; content?: Record<string, { schema: object }> }>;
}

let h: Harness;
let origin: string;

beforeAll(async () => {
  const pglite = backends[0];
  if (pglite === undefined) throw new Error('no PGlite backend');
  h = await startHarness(pglite.backend);
  await h.app.http.listen({ host: '127.0.0.1', port: 0 });
  origin = `http://127.0.0.1:${(h.app.http.server.address() as AddressInfo).port}`;
});
afterAll(async () => h?.close());

describe('the OpenAPI document', () => {
  let document: {
    servers: { url: string }[];
    security: unknown[];
    paths: Record<string, Record<string, Operation>>;
    components: { schemas: Record<string, object> };
  };

  beforeAll(async () => {
    document = (await h.app.http.inject({ method: 'GET', url: '/openapi.json' })).json();
  });

  it('is committed as openapi.json, as the service serves it (else run npm run -s openapi)', () => {
    expect(readFileSync(OPENAPI_FILE, 'utf8')).toBe(openApiText(h.app.http));
  });

  it('names its schemas, and every operation has an id, a description and described replies', () => {
    expect(Object.keys(document.components.schemas)).toEqual(
      expect.arrayContaining(['Customer', 'Verification', 'Message', 'Error', 'RegisterCustomerRequest']),
    );
    const operations = Object.values(document.paths).flatMap((methods) => Object.values(methods));
    expect(operations.length).toBeGreaterThanOrEqual(12);
    const ids = operations.map((operation) => operation.operationId);
    expect(new Set(ids).size).toBe(operations.length);
    for (const operation of operations) {
      expect(operation.operationId).toMatch(/^[a-z][A-Za-z]+$/);
      expect(operation.description?.length).toBeGreaterThan(20);
      for (const response of Object.values(operation.responses)) {
        expect(response.description).not.toBe('Default Response');
        // A reply's schema is a named component, never one written out inline.
        for (const { schema } of Object.values(response.content ?? {})) expect(schema).toHaveProperty('$ref');
      }
    }
  });

  it('asks for a client key everywhere but the probes, and leaves the legacy faces and webhooks out', () => {
    expect(document.security).toEqual([{ bearer: [] }]);
    expect(document.servers).toEqual([expect.objectContaining({ url: 'http://localhost:8080' })]);
    expect(document.paths['/healthz']?.get?.security).toEqual([]);
    for (const path of Object.keys(document.paths)) expect(path).toMatch(/^\/(v1\/|healthz$|livez$|readyz$)/);
    for (const [path, methods] of Object.entries(document.paths)) {
      if (path.startsWith('/v1/'))
        for (const op of Object.values(methods)) expect(op.security).toBeUndefined();
    }
  });

  it('sends a browser at / to the API reference', async () => {
    const reply = await h.app.http.inject({ method: 'GET', url: '/' });
    expect(reply.statusCode).toBe(302);
    expect(reply.headers.location).toBe('/docs/');
  });

  it('passes Redocly and Spectral with no error and no warning', async () => {
    const [redocly, spectral] = await Promise.all([
      reportOf(bin('redocly'), ['lint', 'openapi.json', '--format', 'json']),
      reportOf(bin('spectral'), ['lint', 'openapi.json', '--format', 'json', '--fail-severity', 'warn']),
    ]);
    const redoclyReport = JSON.parse(redocly) as { totals: object; problems: unknown[] };
    expect(redoclyReport.problems).toEqual([]);
    expect(redoclyReport.totals).toMatchObject({ errors: 0, warnings: 0 });
    // Spectral prints its JSON array, then a line of prose.
    const spectralFindings = JSON.parse(spectral.slice(0, spectral.lastIndexOf(']') + 1)) as unknown[];
    expect(spectralFindings).toEqual([]);
  }, 120_000);
});

/** Debian's Chromium (.ci/run installs it where apt can). */
const CHROMIUM = '/usr/bin/chromium';
const chromiumMissing = existsSync(CHROMIUM) ? false : `skipped: no ${CHROMIUM} (apt-get install chromium)`;

describe('the API reference at /docs', () => {
  it('serves a page whose every script, style and link is the service’s own', async () => {
    const page = await fetch(`${origin}/docs/`);
    expect(page.status).toBe(200);
    const html = await page.text();
    const references = [...html.matchAll(/\b(?:src|href)="([^"]*)"/g)].map((match) => match[1] ?? '');
    expect(references.length).toBeGreaterThan(0);
    for (const reference of references) expect(new URL(reference, `${origin}/docs/`).origin).toBe(origin);
    // No fonts from Scalar's host, no telemetry, no Scalar client or agent.
    expect(html).toContain('"withDefaultFonts": false');
    expect(html).toContain('"telemetry": false');
    expect(html).toContain('"hideClientButton": true');
    expect(html).toMatch(/"agent": \{\s*"disabled": true\s*\}/);
    const script = await fetch(new URL('js/scalar.js', `${origin}/docs/`));
    expect(script.status).toBe(200);
  });

  describe.skipIf(chromiumMissing !== false)(
    `in Chromium${chromiumMissing ? ` — ${chromiumMissing}` : ''}`,
    () => {
      let browser: Browser;
      beforeAll(async () => {
        browser = await chromium.launch({
          executablePath: CHROMIUM,
          args: [
            '--no-sandbox',
            '--disable-gpu',
            '--disable-background-networking',
            '--disable-component-update',
            '--disable-sync',
            '--no-first-run',
          ],
        });
      }, 60_000);
      afterAll(async () => browser?.close());

      it('renders the operations while every request stays on the service', async () => {
        const context = await browser.newContext();
        const elsewhere: string[] = [];
        // Recorded, then refused: a test sends nothing off the machine even when the page would.
        await context.route(
          (url) => url.origin !== origin && !['data:', 'blob:'].includes(url.protocol),
          async (route) => {
            elsewhere.push(route.request().url());
            await route.abort();
          },
        );
        const page = await context.newPage();
        await page.goto(`${origin}/`);
        expect(page.url()).toBe(`${origin}/docs/`);
        await page.getByText('Register a customer; texts a signup code to the phone').first().waitFor();
        await page.waitForLoadState('networkidle');
        const text = await page.locator('body').innerText();
        for (const shown of ['Look up a customer', 'verifications', 'messages', 'Models']) {
          expect(text).toContain(shown);
        }
        for (const button of ['Ask AI', 'MCP', 'Deploy', 'Open API Client'])
          expect(text).not.toContain(button);
        expect(elsewhere).toEqual([]);
        await context.close();
      }, 90_000);
    },
  );
});
