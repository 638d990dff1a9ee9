// Subscriber endpoints for the benchmark: its own process, one HTTP server (own port, so its own connection pool in
// fan-out, as real receivers are) per endpoint. A healthy one answers 200 at once; a `hang` one accepts the request
// and never answers, so fan-out's timeout is what ends each attempt. Each records when every BENCH event arrived.
import { createServer } from 'node:http';
import { nowMs, serveCommands } from './stats.mjs';

const SEQ = /BENCH-(\d+)-(\d+)/;
const endpoints = [];

function start({ hang = false }) {
  // Arrivals per run (run id → seq → when), so that counting a run's arrivals, polled every 50 ms while the gateway is
  // still delivering, is a lookup and not a scan of every earlier run's arrivals (which took CPU from the gateway).
  const endpoint = { hang, runs: new Map(), requests: 0, duplicates: 0, unmatched: 0, server: null };
  endpoint.server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => {
      const at = nowMs();
      endpoint.requests++;
      const match = SEQ.exec(Buffer.concat(chunks).toString('latin1'));
      if (!match) endpoint.unmatched++;
      else {
        let arrivals = endpoint.runs.get(match[1]);
        if (!arrivals) endpoint.runs.set(match[1], (arrivals = new Map()));
        const seq = Number(match[2]);
        if (arrivals.has(seq)) endpoint.duplicates++;
        else arrivals.set(seq, at);
      }
      if (!hang) res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '2' }).end('ok');
    });
  });
  endpoint.server.keepAliveTimeout = 60_000;
  endpoints.push(endpoint);
  return new Promise((resolve) =>
    endpoint.server.listen(0, '127.0.0.1', () => resolve(endpoint.server.address().port)),
  );
}

serveCommands({
  async start({ count = 1, hang = 0 }) {
    const first = endpoints.length;
    const ports = [];
    for (let i = 0; i < count; i++) ports.push(await start({ hang: i < hang }));
    return { ports, indices: ports.map((_, i) => first + i) };
  },

  /** How many of a run's events each endpoint has received (cheap: polled while waiting). */
  counts({ runId, indices }) {
    return indices.map((i) => endpoints[i].runs.get(String(runId))?.size ?? 0);
  },

  /** Each endpoint's arrivals of a run as [seq, at] pairs, plus duplicates and stray requests so far. */
  collect({ runId, indices }) {
    return indices.map((i) => {
      const e = endpoints[i];
      const arrivals = [...(e.runs.get(String(runId)) ?? [])];
      return { arrivals, requests: e.requests, duplicates: e.duplicates, unmatched: e.unmatched };
    });
  },
});
