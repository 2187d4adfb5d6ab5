/** Ends the run with the plain closing line CI reads: "N passed, N failed, N skipped". */
import type { Reporter, TestModule } from 'vitest/node';

export default class SummaryReporter implements Reporter {
  #line = '';

  onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    for (const module of modules) {
      const tests = [...module.children.allTests()];
      for (const test of tests) {
        const state = test.result().state;
        if (state === 'passed') passed += 1;
        else if (state === 'failed') failed += 1;
        else skipped += 1;
      }
      // A file that failed to load has no tests: count it, or a broken file would pass unseen.
      if (module.state() === 'failed' && tests.length === 0) failed += 1;
    }
    this.#line = `${passed} passed, ${failed} failed, ${skipped} skipped`;
  }

  // The default reporter prints its summary in onFinished; ours follows it, as the last line.
  onFinished(): void {
    if (this.#line === '') return;
    const skippedServers = [
      process.env.TEST_DATABASE_URL ? undefined : 'PostgreSQL (TEST_DATABASE_URL not set)',
      process.env.TEST_REDIS_URL ? undefined : 'Redis (TEST_REDIS_URL not set)',
    ].filter((name) => name !== undefined);
    const notice =
      skippedServers.length > 0 ? `\nSkipped server-backed tests: ${skippedServers.join(', ')}` : '';
    process.stdout.write(`${notice}\n${this.#line}\n`);
  }
}
