// Qerko and a POS for the benchmark's Qerko scenario, in one process so that one clock times every leg of a
// synchronous answer: Qerko's request to the bridge → the POS receiving it (through fan-out) → the POS's answer → Qerko
// receiving its 200. The POS answers at once, so what the request spends outside it is what the gateway adds.
import { createHmac, randomUUID } from 'node:crypto';
import { Agent, createServer, request } from 'node:http';
import { nowMs, serveCommands, sleep, summarize } from './stats.mjs';

const BILL = { id: 'B-17', currency: 'CZK', items: [{ name: 'Pilsner', quantity: 2, unitPrice: 5900 }], total: 11800 };
const ANSWER = JSON.stringify({ result: BILL });
const agent = new Agent({ keepAlive: true, maxSockets: 256 });

/** uuid → the times of its legs (ms, this process's clock). */
const timings = new Map();
let asyncReplies = 0;
let strays = 0;
/** When the last request reached Qerko's or the POS's server: the gateway is quiet when none has for a while. */
let lastActivity = nowMs();

const server = createServer((req, res) => {
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', () => {
    const at = nowMs();
    lastActivity = at;
    // Qerko's /reply (an answer that missed the synchronous window): counted, never expected here.
    if (req.url.startsWith('/api/')) {
      asyncReplies++;
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      return;
    }
    // The POS: the delivery of `qerko.getBill`, answered in its response.
    let uuid;
    try {
      uuid = JSON.parse(Buffer.concat(chunks).toString('utf8')).data?.uuid;
    } catch {
      uuid = undefined;
    }
    const t = uuid && timings.get(uuid);
    if (!t) strays++;
    else t.posIn = at;
    if (t) t.posOut = nowMs();
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(ANSWER) }).end(ANSWER);
  });
});
server.keepAliveTimeout = 60_000;

/** One signed request as Qerko sends it; resolves with its status when its response has arrived. */
function send(url, apiKey, uuid) {
  const body = JSON.stringify({ type: 'method-call-request', uuid, method: 'getBill', args: ['B-17', null] });
  const signature = createHmac('sha256', apiKey).update(body).digest('hex');
  return new Promise((resolve) => {
    const req = request(
      url,
      {
        method: 'POST',
        agent,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          'signature-sha256': signature,
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode));
      },
    );
    req.on('error', () => resolve(0));
    req.end(body);
  });
}

serveCommands({
  /** Starts Qerko's and the POS's server; `apiBaseUrl` is Qerko's, the POS's endpoint is `/pos`. */
  start() {
    return new Promise((resolve) =>
      server.listen(0, '127.0.0.1', () => {
        const { port } = server.address();
        resolve({ apiBaseUrl: `http://127.0.0.1:${port}/api/v4`, posUrl: `http://127.0.0.1:${port}/pos` });
      }),
    );
  },

  /**
   * Sends `getBill` requests at `rate`/s (open loop: each at its scheduled time, whether or not earlier ones were
   * answered) for `durationMs`, and returns the gateway's added latency of those answered synchronously: request to
   * the POS receiving it, plus the POS's answer to Qerko receiving its 200.
   */
  async run({ url, apiKey, rate, durationMs }) {
    asyncReplies = 0;
    strays = 0;
    const count = Math.max(1, Math.round((rate * durationMs) / 1000));
    const start = nowMs() + 20;
    const statuses = {};
    const added = [];
    const inbound = [];
    const outbound = [];
    const lateness = [];
    const inFlight = [];
    for (let i = 0; i < count; i++) {
      const due = start + (i * 1000) / rate;
      const wait = due - nowMs();
      if (wait > 0) await sleep(wait);
      const uuid = randomUUID();
      const t = { sent: nowMs() };
      lateness.push(t.sent - due);
      timings.set(uuid, t);
      inFlight.push(
        send(url, apiKey, uuid).then((status) => {
          t.answered = nowMs();
          statuses[status] = (statuses[status] ?? 0) + 1;
          if (status === 200 && t.posIn !== undefined) {
            inbound.push(t.posIn - t.sent);
            outbound.push(t.answered - t.posOut);
            added.push(t.posIn - t.sent + (t.answered - t.posOut));
          }
          timings.delete(uuid);
        }),
      );
    }
    await Promise.all(inFlight);
    return {
      requests: count,
      statuses,
      asyncReplies,
      strays,
      added: summarize(added),
      inbound: summarize(inbound),
      outbound: summarize(outbound),
      sendLateness: summarize(lateness),
    };
  },

  /**
   * Resolves once neither Qerko nor the POS has received anything for `idleMs`: what an earlier run left in flight
   * (deliveries to the POS, answers posted to `/reply`) is done.
   */
  async quiet({ idleMs, timeoutMs }) {
    const deadline = nowMs() + timeoutMs;
    while (nowMs() - lastActivity < idleMs) {
      if (nowMs() > deadline) throw new Error(`Qerko and the POS still receive requests after ${timeoutMs} ms`);
      await sleep(50);
    }
  },
});
