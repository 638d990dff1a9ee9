// The load generator: its own process, driven by bench/run.mjs over IPC. HTTP/1.1 keep-alive through undici pools.
//   closed: `concurrency` requests always in flight, for `durationMs` or until `count` were sent (maximum rate);
//   open:   a fixed `rate` of requests per second whatever the answers (latency counted from each request's
//           scheduled time, so a slow server cannot hide its queueing: no coordinated omission).
// Bodies are either one static text or signed Kaynko `sale.completed` events, each unique (seq in saleId and
// receiptNumber) so every request becomes its own event; the send time of each seq is returned for end-to-end
// latency.
import { createHmac } from 'node:crypto';
import { Pool } from 'undici';
import { SALE } from './kaynko-sale.mjs';
import { nowMs, serveCommands, summarize, sleep } from './stats.mjs';

function bodyFactory(spec) {
  if (spec.kind === 'static') {
    const headers = { 'content-type': 'application/json' };
    return () => ({ body: spec.text, headers });
  }
  // kaynko: BENCH-<run>-<seq> identifies the event at the receivers.
  return (seq) => {
    const body = JSON.stringify({
      ...SALE,
      data: { ...SALE.data, saleId: seq, receiptNumber: `BENCH-${spec.runId}-${seq}` },
    });
    const signature = createHmac('sha256', spec.secret).update(body).digest('hex');
    return {
      body,
      headers: {
        'content-type': 'application/json',
        'x-kaynko-event': 'sale.completed',
        'x-kaynko-signature': `sha256=${signature}`,
      },
    };
  };
}

function newRun({ url, body, connections }) {
  const target = new URL(url);
  return {
    pool: new Pool(target.origin, { connections, pipelining: 1, keepAliveTimeout: 30_000 }),
    path: target.pathname + target.search,
    make: bodyFactory(body),
    latencies: [],
    /** Open model only: how late each request left against its schedule (the generator's own delay). */
    lateness: [],
    statuses: {},
    errors: {},
    /** seq → [sentAt, status] (kaynko bodies only, for end-to-end latency). */
    sent: [],
    keepSent: body.kind === 'kaynko',
  };
}

async function sendOne(run, seq, scheduledAt) {
  const { body, headers } = run.make(seq);
  const started = nowMs();
  if (scheduledAt !== undefined) run.lateness.push(started - scheduledAt);
  let status = 0;
  try {
    const res = await run.pool.request({ path: run.path, method: 'POST', headers, body });
    status = res.statusCode;
    await res.body.dump();
  } catch (err) {
    const key = err.code ?? err.name ?? 'error';
    run.errors[key] = (run.errors[key] ?? 0) + 1;
  }
  const done = nowMs();
  run.latencies.push(done - (scheduledAt ?? started));
  run.statuses[status] = (run.statuses[status] ?? 0) + 1;
  if (run.keepSent) run.sent.push([seq, scheduledAt ?? started, status]);
}

function report(run, startedAt, endedAt) {
  const requests = run.latencies.length;
  const ok = Object.entries(run.statuses)
    .filter(([code]) => code >= 200 && code < 300)
    .reduce((sum, [, n]) => sum + n, 0);
  const elapsedMs = endedAt - startedAt;
  return {
    requests,
    ok,
    statuses: run.statuses,
    errors: run.errors,
    elapsedMs: Math.round(elapsedMs),
    perSecond: Math.round((ok / elapsedMs) * 1000),
    latency: summarize(run.latencies),
    ...(run.lateness.length ? { sendLateness: summarize(run.lateness) } : {}),
    sent: run.sent,
  };
}

serveCommands({
  async closed({ url, body, concurrency = 64, durationMs = 10_000, count = Infinity, firstSeq = 0 }) {
    const run = newRun({ url, body, connections: concurrency });
    let next = firstSeq;
    const last = firstSeq + count;
    const startedAt = nowMs();
    const until = startedAt + durationMs;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < last && nowMs() < until) await sendOne(run, next++);
      }),
    );
    const endedAt = nowMs();
    await run.pool.close();
    return report(run, startedAt, endedAt);
  },

  async open({ url, body, rate = 500, durationMs = 10_000, firstSeq = 0, connections = 64 }) {
    const run = newRun({ url, body, connections });
    const total = Math.round((rate * durationMs) / 1000);
    const inFlight = new Set();
    const startedAt = nowMs();
    let issued = 0;
    while (issued < total) {
      const due = Math.min(total, Math.floor(((nowMs() - startedAt) * rate) / 1000) + 1);
      for (; issued < due; issued++) {
        const p = sendOne(run, firstSeq + issued, startedAt + (issued * 1000) / rate);
        inFlight.add(p);
        void p.finally(() => inFlight.delete(p));
      }
      await sleep(1);
    }
    await Promise.all(inFlight);
    const endedAt = nowMs();
    await run.pool.close();
    return report(run, startedAt, endedAt);
  },
});
