// Small numeric helpers shared by the benchmark's processes.

/** Wall-clock milliseconds with sub-millisecond precision, comparable across processes on one machine. */
export const nowMs = () => performance.timeOrigin + performance.now();

/** p50/p95/p99/max (ms, 2 decimals) of a list of latencies; null figures when there are none. */
export function summarize(latencies) {
  const sorted = Float64Array.from(latencies).sort();
  const at = (q) =>
    sorted.length ? round(sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]) : null;
  return { count: sorted.length, p50: at(0.5), p95: at(0.95), p99: at(0.99), max: at(1) };
}

export const round = (x, digits = 2) => (x === null || x === undefined ? null : Number(x.toFixed(digits)));

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Makes a forked child answer `{id, cmd, args}` messages with `{id, result}` or `{id, error}`; `handlers` maps
 * command names to async functions.
 */
export function serveCommands(handlers) {
  process.on('message', async ({ id, cmd, args }) => {
    try {
      const handler = handlers[cmd];
      if (!handler) throw new Error(`unknown command ${cmd}`);
      process.send({ id, result: await handler(args ?? {}) });
    } catch (err) {
      process.send({ id, error: err.stack ?? String(err) });
    }
  });
  // The parent going away ends the child: a benchmark never leaves processes behind.
  process.on('disconnect', () => process.exit(0));
}
