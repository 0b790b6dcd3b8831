'use strict';
// Preloaded with `node -r` into the measured process: at exit, writes its own peak RSS and CPU
// times to the file named by ISB_BENCH_RUSAGE. Adds nothing else to the process.
const file = process.env.ISB_BENCH_RUSAGE;
if (file) {
  process.on('exit', () => {
    const u = process.resourceUsage();
    require('node:fs').writeFileSync(file, JSON.stringify({
      maxRssKb: u.maxRSS, userMs: u.userCPUTime / 1000, systemMs: u.systemCPUTime / 1000,
    }));
  });
}
