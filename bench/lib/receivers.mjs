// Subscriber endpoints for the benchmark: its own process, one HTTP server (own port, so its own connection pool in
// fan-out, as real receivers are) per endpoint. A healthy one answers 200 at once; a `hang` one accepts the request
// and never answers, so fan-out's timeout is what ends each attempt. Each records when every BENCH event arrived.
import { createServer } from 'node:http';
import { nowMs, serveCommands } from './stats.mjs';

const SEQ = /BENCH-(\d+)-(\d+)/;
const endpoints = [];

function start({ hang = false }) {
  const endpoint = { hang, arrivals: new Map(), requests: 0, duplicates: 0, unmatched: 0, server: null };
  endpoint.server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => {
      const at = nowMs();
      endpoint.requests++;
      const match = SEQ.exec(Buffer.concat(chunks).toString('latin1'));
      if (!match) endpoint.unmatched++;
      else {
        const key = `${match[1]}-${match[2]}`;
        if (endpoint.arrivals.has(key)) endpoint.duplicates++;
        else endpoint.arrivals.set(key, at);
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
    const prefix = `${runId}-`;
    return indices.map((i) => {
      let n = 0;
      for (const key of endpoints[i].arrivals.keys()) if (key.startsWith(prefix)) n++;
      return n;
    });
  },

  /** Each endpoint's arrivals of a run as [seq, at] pairs, plus duplicates and stray requests so far. */
  collect({ runId, indices }) {
    const prefix = `${runId}-`;
    return indices.map((i) => {
      const e = endpoints[i];
      const arrivals = [];
      for (const [key, at] of e.arrivals)
        if (key.startsWith(prefix)) arrivals.push([Number(key.slice(prefix.length)), at]);
      return { arrivals, requests: e.requests, duplicates: e.duplicates, unmatched: e.unmatched };
    });
  },
});
