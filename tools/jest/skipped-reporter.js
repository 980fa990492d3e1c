// Lists every skipped test by its full name at the end of a run, so a suite skipped for want of a server
// (its title says why) is visible in the summary, not just counted.
class SkippedReporter {
  onRunComplete(_contexts, results) {
    const skipped = results.testResults.flatMap((file) =>
      file.testResults.filter((t) => t.status === 'pending' || t.status === 'skipped' || t.status === 'todo').map((t) => t.fullName),
    );
    if (skipped.length === 0) return;
    process.stderr.write(`\nSkipped (${skipped.length}):\n${skipped.map((name) => `  - ${name}`).join('\n')}\n`);
  }
}
module.exports = SkippedReporter;
