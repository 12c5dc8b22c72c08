import type { Reporter, TestModule } from 'vitest/node';

/**
 * Ends the test output with one line CI reads: `N passed, N failed`.
 * A module that fails to load and an unhandled error each count as a failure,
 * so a broken file can never look green. On CI (`CI` set, as .ci/run does) a skipped test
 * counts as failed too: a test that skips because a system package is missing proves nothing.
 */
export default class SummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<unknown>): void {
    let passed = 0;
    let failed = unhandledErrors.length;
    let skipped = 0;
    const names: string[] = [];
    for (const testModule of testModules) {
      let failedHere = 0;
      for (const test of testModule.children.allTests()) {
        const state = test.result().state;
        if (state === 'passed') passed += 1;
        else if (state === 'failed') {
          failedHere += 1;
          names.push(`${testModule.moduleId} > ${test.fullName}: ${firstLine(test.result().errors?.[0]?.message)}`);
        } else skipped += 1;
      }
      // A module whose hooks or imports failed may have no failed test of its own.
      if (failedHere === 0 && testModule.state() === 'failed') {
        failedHere = 1;
        names.push(`${testModule.moduleId}: ${firstLine(testModule.errors()[0]?.message)}`);
      }
      failed += failedHere;
    }
    // Named again at the very end, where a CI log that keeps only its tail still shows them.
    for (const name of names) process.stdout.write(`FAILED ${name}\n`);
    if (skipped > 0) process.stdout.write(`${skipped} skipped${process.env.CI ? ' (counted as failed on CI)' : ''}\n`);
    if (process.env.CI) failed += skipped;
    process.stdout.write(`${passed} passed, ${failed} failed\n`);
  }
}

function firstLine(message: string | undefined): string {
  return (message ?? 'failed').split('\n')[0]?.slice(0, 300) ?? 'failed';
}
