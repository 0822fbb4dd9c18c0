// Prints one plain closing line ("tests: N passed, N failed") that CI can read whatever runner it
// knows, preceded by the same counts per Jest project (terminal mode: lan, cloud).
function counts(results) {
  return {
    passed: results.reduce((n, r) => n + r.numPassingTests, 0),
    failed: results.reduce((n, r) => n + r.numFailingTests + (r.testExecError ? 1 : 0), 0),
    skipped: results.reduce((n, r) => n + r.numPendingTests + r.numTodoTests, 0),
    files: results.length,
  };
}

class SummaryReporter {
  onRunComplete(_contexts, results) {
    const failed = results.numFailedTests + results.numRuntimeErrorTestSuites;
    const skipped = results.numPendingTests + results.numTodoTests;
    const tail = skipped ? `, ${skipped} skipped` : '';
    const byProject = new Map();
    for (const r of results.testResults) {
      const name = (r.displayName && (r.displayName.name ?? r.displayName)) || 'default';
      if (!byProject.has(name)) byProject.set(name, []);
      byProject.get(name).push(r);
    }
    const parts = [...byProject.entries()].map(([name, rs]) => {
      const c = counts(rs);
      return `${name}: ${c.passed} passed, ${c.failed} failed${c.skipped ? `, ${c.skipped} skipped` : ''} in ${c.files} files`;
    });
    // Per project first: the last line stays exactly "tests: N passed, N failed[, N skipped]".
    const perProject = byProject.size > 1 || !byProject.has('default') ? `\nprojects: ${parts.join('; ')}` : '';
    process.stdout.write(`${perProject}\ntests: ${results.numPassedTests} passed, ${failed} failed${tail}\n`);
  }
}
module.exports = SummaryReporter;
