/**
 * The API reference at /docs makes no request off the machine: its page and script come from the service,
 * and in Chromium (where installed) every request the rendered page makes goes to the service itself.
 */
import { existsSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends } from './support/database.js';
import { startHarness, type Harness } from './support/harness.js';

/** Debian's Chromium (.ci/run installs it where apt can). */
const CHROMIUM = '/usr/bin/chromium';
const chromiumMissing = existsSync(CHROMIUM) ? false : `skipped: no ${CHROMIUM} (apt-get install chromium)`;

describe('the API reference at /docs', () => {
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
