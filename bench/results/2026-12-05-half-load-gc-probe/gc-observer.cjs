// Preload for fan-out only: every GC with its kind, start (ms since process start) and duration, written at exit.
if (process.argv.some((a) => a.includes('fanout/src/main'))) {
  const { PerformanceObserver, constants } = require('node:perf_hooks');
  const fs = require('node:fs');
  const rows = [];
  const kinds = { [constants.NODE_PERFORMANCE_GC_MAJOR]: 'major', [constants.NODE_PERFORMANCE_GC_MINOR]: 'minor', [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental', [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weakcb' };
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) rows.push([Math.round(e.startTime), +e.duration.toFixed(2), kinds[e.detail?.kind ?? e.kind] ?? String(e.detail?.kind)]);
  }).observe({ entryTypes: ['gc'] });
  const t0 = Date.now() - performance.now();
  const dump = () => fs.writeFileSync(`/tmp/gc-fanout-${process.pid}.json`, JSON.stringify({ t0, rows }));
  process.on('exit', dump);
  setInterval(dump, 5000).unref();
}
