/**
 * Prints one plain closing line after the default reporter, "tests: N passed, N failed, N skipped",
 * so CI logs and scripts can read the outcome without parsing vitest's coloured summary.
 */
import type { Reporter, TestModule } from "vitest/node";

export default class SummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    const missingPeers = new Set<string>();
    for (const mod of testModules) {
      for (const test of mod.children.allTests()) {
        const state = test.result().state;
        if (state === "passed") passed++;
        else if (state === "failed") failed++;
        else {
          skipped++;
          // test/helpers/peers.ts names a skipped cross-check "[needs X: apt-get install -y …]".
          const why = /\[(needs [^\]]+)\]/.exec(test.fullName)?.[1];
          if (why) missingPeers.add(why);
        }
      }
      // A file that failed to load has no tests but is a failure all the same.
      if (mod.state() === "failed" && [...mod.children.allTests()].length === 0) failed++;
    }
    for (const why of missingPeers) process.stdout.write(`\nskipped cross-check: ${why}`);
    process.stdout.write(`\ntests: ${passed} passed, ${failed} failed, ${skipped} skipped\n`);
  }
}
