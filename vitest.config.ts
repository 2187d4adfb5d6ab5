import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['./test/support/announce-servers.ts', './test/support/pglite-template.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Two cores: files run in parallel forks, two at a time. A fork keeps its loaded modules from one file to
    // the next (isolate: false): loading the app's module graph per file was a third of the suite's time. So
    // every file leaves nothing behind: it closes what it opened and puts real timers back.
    pool: 'forks',
    poolOptions: { forks: { maxForks: 2, minForks: 1, isolate: false } },
    reporters: ['default', './test/support/summary-reporter.ts'],
  },
});
