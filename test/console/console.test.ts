/**
 * The operator console in a real browser (Debian's Chromium through playwright-core): one app in-process on
 * a loopback port, traffic made through the domain, and an operator who signs in, reads the overview, finds
 * a verification, switches to Arabic, blocks and unblocks a prefix and rotates a client key. Every request
 * the page made must have gone to 127.0.0.1. Screenshots go to test-results/console/.
 */
import { existsSync, mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONSOLE_DIST } from '../../src/http/admin-console.js';
import { CHROMIUM_LAUNCH, chromiumMissing } from '../support/chromium.js';
import { backends } from '../support/database.js';
import { CLIENT_KEY, startHarness, uniquePhone, type Harness } from '../support/harness.js';

const ADMIN_KEY = 'console-admin-key-0123456789abc';
const SHOTS = join(import.meta.dirname, '../../test-results/console');
const GB_PHONE = '+447400123456';
const skip = chromiumMissing();
if (skip !== false) console.log(skip);

describe.skipIf(skip !== false)('the operator console in Chromium', () => {
  let h: Harness;
  let origin: string;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const requested: string[] = [];
  const shot = (name: string) => page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });

  beforeAll(async () => {
    if (!existsSync(join(CONSOLE_DIST, 'index.html'))) {
      // npm test builds it first; a lone run of this file builds it here.
      const { build } = await import('vite');
      await build({ configFile: join(import.meta.dirname, '../../console/vite.config.ts') });
    }
    mkdirSync(SHOTS, { recursive: true });
    // A guard that trips after three unused codes, so the test's own traffic makes it decide.
    h = await startHarness(backends[0]!.backend, { ADMIN_KEY, GUARD_MAX_UNCONVERTED: '3' });
    await h.app.http.listen({ host: '127.0.0.1', port: 0 });
    origin = `http://127.0.0.1:${(h.app.http.server.address() as AddressInfo).port}`;

    // Traffic through the domain: four UAE numbers of which three approve, and one British that never does.
    const client = await h.app.clients.authenticate(CLIENT_KEY);
    const caller = { clientId: client!.id, tenant: client!.tenant };
    for (const [to, approve] of [
      [uniquePhone(), true],
      [uniquePhone(), true],
      [uniquePhone(), true],
      [uniquePhone(), false],
      [GB_PHONE, false],
    ] as const) {
      const started = await h.app.domain.verifications.start({ to, caller });
      if (approve) await h.app.domain.verifications.check(started.id, await h.lastCode(to), caller.tenant);
    }
    await h.app.dispatcher.drain();

    browser = await chromium.launch(CHROMIUM_LAUNCH);
    context = await browser.newContext({
      locale: 'en-GB',
      timezoneId: 'UTC',
      viewport: { width: 1280, height: 900 },
    });
    context.on('request', (request) => requested.push(request.url()));
    page = await context.newPage();
    // A deadline for each wait on the page, not a guess at its speed: generous for a loaded machine.
    page.setDefaultTimeout(30_000);
  });

  afterAll(async () => {
    await browser?.close();
    await h?.close();
  });

  it('refuses a wrong key', async () => {
    await page.goto(`${origin}/admin`);
    await page.getByLabel('Admin key').fill('not-the-admin-key-at-all-0123');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toBe('The admin key is not correct.');
    expect(await page.getByRole('link', { name: 'Overview' }).count()).toBe(0);
  });

  it('signs in, and shows the overview with its charts and the conversion rate of the traffic made', async () => {
    await page.getByLabel('Admin key').fill(ADMIN_KEY);
    await page.getByRole('button', { name: 'Sign in' }).click();
    for (const name of ['Overview', 'Verifications', 'Messages', 'Customers', 'Clients', 'Fraud', 'Events']) {
      await page.getByRole('link', { name, exact: true }).waitFor();
    }
    const rate = page.locator('[data-figure="conversion-rate"]');
    await expect.poll(() => rate.textContent()).toBe('60%');
    const traffic = page.getByRole('img', { name: 'Sends and approvals' });
    const conversion = page.getByRole('img', { name: 'Conversion rate over time' });
    await traffic.waitFor();
    expect(await traffic.locator('rect.bar:not([data-value="0"])').count()).toBe(2);
    const bars = conversion.locator('rect.bar');
    expect(await bars.count()).toBe(1);
    expect(await bars.first().locator('title').textContent()).toMatch(/Conversion rate: 60%$/);
    // Worst first: the British number never approved.
    const firstCountry = page
      .getByRole('table', { name: 'Conversion per country, worst first' })
      .locator('tbody tr')
      .first();
    expect(await firstCountry.locator('th').textContent()).toBe('United Kingdom');
    expect(await firstCountry.locator('td').last().textContent()).toBe('0%');
    await shot('overview');
  });

  it('finds a verification by phone, with its channel, and opens its detail, with the whole number, its send and its checks', async () => {
    await page.getByRole('link', { name: 'Verifications', exact: true }).click();
    await page.getByLabel('Phone', { exact: true }).fill('+44 7400 123456');
    await page.getByRole('button', { name: 'Search' }).click();
    const rows = page.locator('tbody tr');
    await expect.poll(() => rows.count()).toBe(1);
    expect(await rows.first().getByRole('cell', { name: 'SMS', exact: true }).count()).toBe(1);
    const masked = await rows.first().getByRole('link').textContent();
    expect(masked).not.toBe(GB_PHONE);
    expect(masked).toContain('*');
    await rows.first().getByRole('link').click();
    await page.getByRole('heading', { name: `Verification ${GB_PHONE}` }).waitFor();
    await page.getByText('Every send').waitFor();
    expect(await page.locator('.card .timeline li').count()).toBe(3);
    expect(await page.getByText('dev-outbox').count()).toBeGreaterThan(0);
    await shot('verification-detail');
  });

  it('switches to Arabic, right to left, and back', async () => {
    await page.getByRole('button', { name: 'العربية' }).click();
    await expect.poll(() => page.evaluate(() => document.documentElement.dir)).toBe('rtl');
    expect(await page.evaluate(() => document.documentElement.lang)).toBe('ar');
    await page.getByRole('link', { name: 'نظرة عامة' }).click();
    await page.getByRole('img', { name: 'الإرسالات والموافقات' }).waitFor();
    await shot('overview-ar');
    await page.getByRole('button', { name: 'English' }).click();
    await expect.poll(() => page.evaluate(() => document.documentElement.dir)).toBe('ltr');
  });

  it('blocks and unblocks a prefix by hand', async () => {
    await page.getByRole('link', { name: 'Fraud', exact: true }).click();
    await page.getByLabel('Prefix').first().fill('+88170');
    await page.getByLabel('Reason').fill('pumping to a premium range');
    await page.getByRole('button', { name: 'Block', exact: true }).click();
    const row = page.getByRole('row', { name: /\+88170/ });
    await row.waitFor();
    expect(await row.textContent()).toContain('pumping to a premium range');
    await shot('fraud');
    await page.getByRole('button', { name: 'Unblock +88170' }).click();
    await expect.poll(() => row.count()).toBe(0);
  });

  it("shows the guard's own block with its reason, and the decision among the events", async () => {
    // British numbers that never approve: the guard blocks their prefix and refuses the next code.
    const client = await h.app.clients.authenticate(CLIENT_KEY);
    const caller = { clientId: client!.id, tenant: client!.tenant };
    let refused: unknown;
    for (let n = 10; n < 20 && refused === undefined; n += 1) {
      await h.app.domain.verifications.start({ to: `+4474001234${n}`, caller }).catch((error: unknown) => {
        refused = error;
      });
    }
    expect(refused).toMatchObject({ code: 'prefix_blocked' });

    // The page shows Fraud still (the test before): loaded again, it asks the server afresh.
    await page.getByRole('link', { name: 'Fraud', exact: true }).click();
    await page.reload();
    const blocked = page.getByRole('row', { name: /\+4474.*guard/ });
    await blocked.first().waitFor();
    expect(await blocked.first().textContent()).toMatch(/sent/);

    await page.getByRole('link', { name: 'Events', exact: true }).click();
    const decision = page.getByRole('row', { name: /prefix_blocked.*\+4474/ });
    await decision.first().waitFor();
    expect(await decision.first().textContent()).toMatch(/approved/);
    await shot('events');
  });

  it("rotates a client's key: the new one is shown once, the old one stops", async () => {
    await page.getByRole('link', { name: 'Clients', exact: true }).click();
    await page.getByRole('button', { name: 'Rotate key test' }).click();
    const shown = page.getByRole('status').locator('output');
    await shown.waitFor();
    const key = (await shown.textContent()) ?? '';
    expect(key).toMatch(/^[\w-]{43}$/);
    await shot('clients');
    const asClient = (k: string) =>
      fetch(`${origin}/v1/verifications/00000000-0000-4000-8000-000000000000`, {
        headers: { authorization: `Bearer ${k}` },
      });
    expect((await asClient(CLIENT_KEY)).status).toBe(401);
    expect((await asClient(key)).status).toBe(404);
  });

  it('made no request beyond 127.0.0.1', () => {
    expect(requested.length).toBeGreaterThan(10);
    const elsewhere = requested.filter(
      (url) => !url.startsWith('data:') && new URL(url).hostname !== '127.0.0.1',
    );
    expect(elsewhere).toEqual([]);
  });
});
