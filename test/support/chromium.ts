/**
 * Debian's Chromium, driven by playwright-core (no browser download: .ci/run installs the package when
 * missing). Where it is absent the console's browser tests are skipped, and the run says so.
 */
import { existsSync } from 'node:fs';
import type { LaunchOptions } from 'playwright-core';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
export const chromiumMissing = (): string | false =>
  existsSync(CHROMIUM_PATH)
    ? false
    : `Console browser tests skipped: no Chromium at ${CHROMIUM_PATH} (apt-get install chromium)`;

export const CHROMIUM_LAUNCH: LaunchOptions = {
  executablePath: CHROMIUM_PATH,
  headless: true,
  // No sandbox (root in CI); no GPU; and nothing the browser itself would fetch from the network.
  args: [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
  ],
};
