// Prints one plain closing line, "jest: N passed, N failed, N skipped", and writes it to
// test-reports/summary.txt so .ci/run can repeat it as the very last line of the run.
const fs = require('node:fs');
const path = require('node:path');

class SummaryReporter {
  onRunComplete(_contexts, results) {
    const skipped = results.numPendingTests + results.numTodoTests;
    const line = `jest: ${results.numPassedTests} passed, ${results.numFailedTests} failed, ${skipped} skipped`;
    // eslint-disable-next-line no-console
    console.log(line);
    try {
      fs.mkdirSync(path.join(process.cwd(), 'test-reports'), { recursive: true });
      fs.writeFileSync(path.join(process.cwd(), 'test-reports', 'summary.txt'), line + '\n');
    } catch {
      // reporting must never fail the run
    }
  }
}
module.exports = SummaryReporter;
