import { BaseSequencer, type TestSpecification } from 'vitest/node';
import { defineConfig } from 'vitest/config';

/**
 * The files that take longest (a fresh clone installed and built, the image's steps, the attack run, three
 * nodes...), measured: they start first, so that no long one starts last and runs alone on one core while
 * the other sits idle (with no cache, as in CI, vitest would start the largest files first instead).
 */
const LONGEST_FIRST = [
  'test/runtime/fresh-clone-shutdown.test.ts',
  'test/container.test.ts',
  'test/api/sms-pumping.test.ts',
  'test/cli/customer-import.test.ts',
  'test/sms/dispatch/crash.test.ts',
  'test/runtime/three-nodes.test.ts',
  'test/server.test.ts',
  'test/console/console.test.ts',
  'test/sms/dispatch/abort.test.ts',
  'test/cli/fraud.test.ts',
  'test/api-reference.test.ts',
];

class LongestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const rank = (file: TestSpecification) => {
      const at = LONGEST_FIRST.findIndex((path) => file.moduleId.endsWith(path));
      return at < 0 ? LONGEST_FIRST.length : at;
    };
    const sorted = await super.sort(files);
    return sorted
      .map((file, index) => ({ file, index }))
      .sort((a, b) => rank(a.file) - rank(b.file) || a.index - b.index)
      .map(({ file }) => file);
  }
}

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
    sequence: { sequencer: LongestFirst },
    reporters: ['default', './test/support/summary-reporter.ts'],
  },
});
