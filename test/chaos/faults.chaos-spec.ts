import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createHmac, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { Topics } from '@gateway/contracts';
import { DedicatedBroker, GatewayProcesses, Receiver, TcpProxy, call, eventually, testInfra } from '@gateway/testing';
import { SignedLoad, receiptsAt, undelivered } from './signed-load';
import { OldHistory, historyLeft, makeHistoryDue, writeOldHistory } from './old-history';

/**
 * `npm run test:chaos`: each scenario runs a steady signed Kaynko load (CHAOS_RATE events/s for CHAOS_SECONDS,
 * to CHAOS_ENDPOINTS endpoints), breaks one thing in the middle, and ends by checking from what the receivers
 * recorded that every event ingest answered 2xx for reached every endpoint at least once. Loopback only; every
 * wait is bounded. The table goes to stdout and to docs/reliability.md (CHAOS_REPORT).
 */
const SECONDS = Number(process.env['CHAOS_SECONDS'] ?? 60);
const RATE = Number(process.env['CHAOS_RATE'] ?? 200);
const ENDPOINTS = Number(process.env['CHAOS_ENDPOINTS'] ?? 3);
const ROOT = join(__dirname, '../..');
const REPORT = join(ROOT, process.env['CHAOS_REPORT'] ?? 'docs/reliability.md');
/** How long, after the load stops, every accepted event has to arrive. */
const DRAIN_MS = 180_000;

const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, ms)));

interface Outcome {
  scenario: string;
  accepted: number;
  delivered: number;
  lost: number;
  duplicates: number;
  refused: number;
  unanswered: number;
  /** From the end of the fault until everything accepted before it had reached every endpoint. */
  recoverySeconds: number | null;
  note: string;
}
const outcomes: Outcome[] = [];

interface FaultContext {
  receivers: Receiver[];
  /** The scenario's tenant, its API key and its endpoints (one per receiver, in order). */
  tenantId: string;
  key: string;
  endpointIds: string[];
  /** Waits until this fraction of the load's duration has passed. */
  at: (fraction: number) => Promise<void>;
}

describe('chaos: faults under a steady signed load (real Kafka and PostgreSQL, four processes)', () => {
  jest.setTimeout(SECONDS * 1000 + DRAIN_MS + 120_000);
  const broker = new DedicatedBroker();
  let proxy: TcpProxy;
  let gateway: GatewayProcesses;
  /** The database as the services reach it (through the proxy). */
  let databaseUrl: string;

  beforeAll(async () => {
    // A broker of the run's own (scenario 3 stops it) and PostgreSQL behind a proxy (scenario 4 cuts it).
    await broker.start();
    const database = new URL(testInfra().databaseUrl);
    proxy = await new TcpProxy(database.hostname, Number(database.port || 5432)).start();
    database.port = String(proxy.port);
    databaseUrl = database.toString();
    gateway = new GatewayProcesses({
      KAFKA_BROKERS: broker.brokers,
      DATABASE_URL: database.toString(),
      // Compressed retries: a receiver down for 30 s gets its events within seconds of coming back.
      GATEWAY_RETRY_SCHEDULE: '1s,2s,4s,8s,8s,8s,8s,8s,8s,8s,8s,8s,8s,8s,8s',
      FANOUT_POLL_INTERVAL_MS: '200',
      QERKO_SYNC_BUDGET_MS: '1500',
    });
    await gateway.start();
  }, 180_000);

  afterAll(async () => {
    await gateway?.stop();
    await proxy?.stop();
    await broker.stop();
    writeReport();
  });

  /** One scenario: fresh tenant, source and receivers; the load; the fault; then every accepted event accounted for. */
  async function underLoad(scenario: string, note: string, fault: (ctx: FaultContext) => Promise<void>) {
    const prefix = `C${outcomes.length + 1}-${Date.now().toString(36)}`;
    const receivers = await Promise.all(Array.from({ length: ENDPOINTS }, () => new Receiver().start()));
    const admin = gateway.url('admin-api');
    const { key, tenantId } = await gateway.tenantWithKey(scenario);
    const secret = `chaos-${prefix}-secret`;
    const source = await call('POST', `${admin}/v1/sources`, {
      key,
      body: { provider: 'kaynko', name: scenario, secret },
    });
    const endpointIds: string[] = [];
    for (const receiver of receivers) {
      const endpoint = await call('POST', `${admin}/v1/endpoints`, {
        key,
        body: { url: receiver.url(), eventTypes: ['kaynko.sale.completed'] },
      });
      endpointIds.push(endpoint.body.id as string);
    }

    const load = new SignedLoad({ url: source.body.ingestUrl, secret, prefix, ratePerSecond: RATE });
    const started = Date.now();
    const drainDeadline = started + SECONDS * 1000 + DRAIN_MS;
    load.start();
    let faultEnded = Infinity;
    const faultDone = fault({
      receivers,
      tenantId,
      key,
      endpointIds,
      at: (fraction) => pause(started + fraction * SECONDS * 1000 - Date.now()),
    }).then(() => {
      faultEnded = Date.now();
    });
    let recoveredAt: number | null = null;
    const watcher = (async () => {
      await faultDone;
      while (Date.now() < drainDeadline) {
        if (!undelivered(load, receivers, prefix, faultEnded).length) {
          recoveredAt = Date.now();
          return;
        }
        await pause(200);
      }
    })();

    await pause(started + SECONDS * 1000 - Date.now());
    await faultDone;
    await load.stop();
    let missing = undelivered(load, receivers, prefix);
    while (missing.length && Date.now() < drainDeadline) {
      await pause(500);
      missing = undelivered(load, receivers, prefix);
    }
    await watcher;
    await pause(1000); // late duplicates count too
    const duplicates = receivers
      .map((r) => [...receiptsAt(r, prefix).values()].reduce((sum, n) => sum + n - 1, 0))
      .reduce((a, b) => a + b, 0);
    outcomes.push({
      scenario,
      accepted: load.accepted.size,
      delivered: load.accepted.size - missing.length,
      lost: missing.length,
      duplicates,
      refused: load.refused,
      unanswered: load.failed,
      recoverySeconds: recoveredAt === null ? null : Math.max(0, recoveredAt - faultEnded) / 1000,
      note,
    });
    await Promise.all(receivers.map((r) => r.stop()));
    // The load really ran (a Kafka outage refuses a good part of it, by design: 503 until it can store again).
    expect(load.accepted.size).toBeGreaterThan(RATE * SECONDS * 0.25);
    expect({ scenario, lost: missing.slice(0, 20) }).toEqual({ scenario, lost: [] });
    return outcomes[outcomes.length - 1]!;
  }

  it('1. fan-out killed with kill -9 three times at random moments, restarted each time', async () => {
    await underLoad('fan-out: kill -9 ×3', 'restarted 1 s after each kill', async ({ at }) => {
      for (const [from, to] of [
        [0.15, 0.3],
        [0.4, 0.55],
        [0.65, 0.8],
      ] as const) {
        await at(from + Math.random() * (to - from));
        await gateway.kill('fanout', 'SIGKILL');
        await pause(1000);
        await gateway.restart('fanout');
      }
    });
  });

  it('2. ingest killed with kill -9 mid-load: every event that got a 2xx arrives', async () => {
    await underLoad(
      'ingest: kill -9',
      'restarted 1 s later; requests without an answer are the provider’s to retry',
      async ({ at }) => {
        await at(0.4);
        await gateway.kill('ingest', 'SIGKILL');
        await pause(1000);
        await gateway.restart('ingest');
      },
    );
  });

  it('3. the Kafka broker stopped for 10 s, then restarted', async () => {
    await underLoad(
      'Kafka broker down 10 s',
      'ingest answers 503 while it cannot store; nothing restarted',
      async ({ at }) => {
        await at(0.3);
        await broker.stop();
        await pause(10_000);
        await broker.restart();
      },
    );
  });

  it('4. PostgreSQL unreachable for 10 s (every connection reset), then back', async () => {
    await underLoad(
      'PostgreSQL down 10 s',
      'all connections reset and refused via a proxy; nothing restarted',
      async ({ at }) => {
        await at(0.3);
        proxy.cut();
        await pause(10_000);
        proxy.restore();
      },
    );
  });

  it('5. a receiver down for 30 s, then back (compressed retry schedule)', async () => {
    await underLoad(
      'receiver down 30 s',
      'one of the endpoints refuses connections; retries 1 s, 2 s, 4 s, 8 s…',
      async ({ at, receivers }) => {
        await at(0.2);
        const port = receivers[0]!.port;
        await receivers[0]!.stop();
        await pause(30_000);
        await receivers[0]!.start(port);
      },
    );
  });

  it('6. poison records written straight to the events topic land in the dead-letter topic; consumption goes on', async () => {
    const poison = [`not json {${randomUUID()}`, JSON.stringify({ schema: 'canonical-event.v1', id: randomUUID() })];
    const kafka = new Kafka({ brokers: broker.brokers.split(','), logLevel: logLevel.NOTHING });
    const producer = kafka.producer();
    await producer.connect();
    await underLoad('poison records', 'invalid JSON and a wrong-schema record, mid-load', async ({ at }) => {
      await at(0.5);
      await producer.send({ topic: Topics.events, messages: poison.map((value) => ({ key: 'poison', value })) });
    });
    await producer.disconnect();

    const letters: Array<{ reason: string; payload?: string }> = [];
    const consumer = kafka.consumer({ groupId: `chaos-dead-letters-${randomUUID()}` });
    await consumer.connect();
    await consumer.subscribe({ topic: Topics.deadLetter, fromBeginning: true });
    await consumer.run({
      eachMessage: ({ message }) => {
        letters.push(JSON.parse(message.value!.toString()) as { reason: string; payload?: string });
        return Promise.resolve();
      },
    });
    const found = await eventually(() => {
      const ours = poison.map((payload) => letters.find((l) => l.payload === payload));
      return Promise.resolve(ours.every(Boolean) ? ours : null);
    }, 30_000).finally(() => consumer.disconnect());
    expect(found.map((l) => l!.reason)).toEqual([
      'not valid JSON',
      expect.stringMatching(/^not a canonical-event\.v1: /),
    ]);
    outcomes[outcomes.length - 1]!.note += `; both in ${Topics.deadLetter} with their reasons`;
  });

  it('7. the Qerko bridge killed between taking a POS answer and posting /reply: exactly one reply within 15 s', async () => {
    const apiKey = 'chaos-qerko-restaurant-key';
    const qerko = await new Receiver().start();
    const pos = await new Receiver().start();
    pos.behaviour = (_, res) => void res.writeHead(202).end(); // the POS answers later, through the replies API
    const admin = gateway.url('admin-api');
    const { key, tenantId } = await gateway.tenantWithKey('Chaos restaurant');
    const replyKey = (
      await call('POST', `${admin}/v1/tenants/${tenantId}/api-keys`, {
        key: gateway.operatorKey,
        body: { name: 'pos', scopes: ['qerko:reply'] },
      })
    ).body.key as string;
    const source = await call('POST', `${admin}/v1/sources`, {
      key,
      body: {
        provider: 'qerko',
        name: 'Qerko',
        secret: apiKey,
        config: { apiBaseUrl: qerko.url('/api/v4'), posId: randomUUID() },
      },
    });
    await call('POST', `${admin}/v1/endpoints`, { key, body: { url: pos.url('/pos'), eventTypes: ['qerko.*'] } });
    const repliesTo = (uuid: string) =>
      qerko.requests.filter((r) => (JSON.parse(r.body.toString()) as { uuid: string }).uuid === uuid);

    const rounds: Array<{ replies: number; seconds: number }> = [];
    const outcome = await underLoad('Qerko bridge: kill -9 after the POS answer', '', async ({ at }) => {
      for (const fraction of [0.2, 0.45, 0.7]) {
        await at(fraction);
        // An instance whose reply worker never runs takes the answer, then dies before it could post /reply.
        const doomed = await gateway.startExtra('qerko-bridge', { QERKO_REPLY_POLL_MS: '600000' });
        const request = { type: 'method-call-request', uuid: randomUUID(), method: 'paymentProcessed', args: ['P-1'] };
        const raw = JSON.stringify(request);
        const sentAt = Date.now();
        const sent = await call('POST', source.body.ingestUrl, {
          rawBody: raw,
          headers: {
            'content-type': 'application/json',
            'signature-sha256': createHmac('sha256', apiKey).update(raw).digest('hex'),
          },
        });
        expect(sent.status).toBe(202);
        const taken = await call('POST', `${doomed.url}/v1/qerko/replies`, {
          key: replyKey,
          body: { uuid: request.uuid, result: true },
        });
        expect(taken.status).toBe(202);
        doomed.process.kill('SIGKILL');
        const [first] = await eventually(
          () => Promise.resolve(repliesTo(request.uuid).length ? repliesTo(request.uuid) : null),
          20_000,
        );
        await pause(2000);
        rounds.push({ replies: repliesTo(request.uuid).length, seconds: (first!.at - sentAt) / 1000 });
      }
    });
    outcome.note = `3 Qerko requests under the load: ${rounds.map((r) => `${r.replies} reply in ${r.seconds.toFixed(1)} s`).join(', ')}`;
    await Promise.all([qerko.stop(), pos.stop()]);
    for (const round of rounds) {
      expect(round.replies).toBe(1);
      expect(round.seconds).toBeLessThan(15);
    }
  });

  it('8. retention under the load: a pass killed midway and run again, fan-out killed with kill -9 during it', async () => {
    const admin = gateway.url('admin-api');
    const facts = {
      history: null as OldHistory | null,
      passes: [] as string[],
      /** The history's deliveries after the passes: finished ones must be gone, those to attempt all there. */
      left: null as { finished: number; unfinished: number } | null,
      expired: [] as Array<{ status: number; code: unknown }>,
      /** The history's retrying deliveries, made due after the passes, that reached their endpoints. */
      arrived: 0,
      owed: 0,
    };
    const outcome = await underLoad(
      'retention pass + fan-out kill -9',
      '',
      async ({ at, tenantId, key, endpointIds, receivers }) => {
        // The tenant keeps 7 days. Its history: 22 days past that, each with 600 events delivered to the three
        // endpoints; the 20 days within the default 30 also hold 2 events each whose deliveries are still retrying.
        const patched = await call('PATCH', `${admin}/v1/tenants/${tenantId}`, {
          key: gateway.operatorKey,
          body: { retentionDays: 7 },
        });
        if (patched.status !== 200) throw new Error(`retentionDays: ${patched.status} ${JSON.stringify(patched.body)}`);
        const daysAgo = [40, 35, ...Array.from({ length: 20 }, (_, i) => 27 - i)];
        facts.history = await writeOldHistory(databaseUrl, {
          tenantId,
          endpointIds,
          daysAgo,
          perDay: 600,
          retryingPerDay: (days) => (days < 30 ? 2 : 0),
          prefix: `H${Date.now().toString(36)}`,
        });
        await at(0.3);
        // The first pass (an operator's `retention.main.js`) is killed 1.5 s in; fan-out is killed 0.5 s in and
        // restarted a second later; then a pass runs to its end (again, while fan-out's own pass holds the lock).
        const first = retentionPass(databaseUrl);
        await pause(500);
        await gateway.kill('fanout', 'SIGKILL');
        await pause(1000);
        first.process.kill('SIGKILL');
        facts.passes.push(describePass(await first.done));
        await gateway.restart('fanout');
        for (let i = 0; i < 20; i++) {
          const pass = await retentionPass(databaseUrl).done;
          facts.passes.push(describePass(pass));
          if (pass.code === 0 && !pass.stdout.includes('skipped')) break;
          await pause(1000);
        }
        facts.left = await historyLeft(databaseUrl, tenantId);
        for (const id of facts.history.finishedEventIds) {
          const res = await call('GET', `${admin}/v1/events/${id}`, { key });
          facts.expired.push({ status: res.status, code: (res.body as { error?: { code?: unknown } }).error?.code });
        }
        // Their next attempt comes due: every one reaches its endpoint.
        await makeHistoryDue(databaseUrl, tenantId);
        const receipts = facts.history.retrying;
        facts.owed = receipts.length * receivers.length;
        const count = () =>
          receivers.reduce(
            (n, r) =>
              n +
              receipts.filter((receipt) =>
                r.requests.some((q) => q.body.toString().includes(`"receiptNumber":"${receipt}"`)),
              ).length,
            0,
          );
        const deadline = Date.now() + 60_000;
        while ((facts.arrived = count()) < facts.owed && Date.now() < deadline) await pause(500);
      },
    );
    const history = facts.history!;
    outcome.note =
      `history of ${history.events} events (${history.deliveries} deliveries) over 22 days past the tenant's 7; ` +
      `passes: ${facts.passes.join(', ')}; ${facts.left?.finished} finished deliveries of it left, ` +
      `${facts.left?.unfinished} to attempt kept, ${facts.arrived} of ${facts.owed} of those delivered once due`;
    expect(facts.passes[0]).toMatch(/^killed|^done/);
    expect(facts.passes[facts.passes.length - 1]).toMatch(/^done/);
    expect(facts.left).toEqual({ finished: 0, unfinished: history.retrying.length * ENDPOINTS });
    expect(facts.expired).toEqual(history.finishedEventIds.map(() => ({ status: 404, code: 'expired' })));
    expect(facts.arrived).toBe(facts.owed);
  });
});

/** One run of fan-out's `retention.main.js` (the operator's "run a pass now") against the services' database. */
function retentionPass(databaseUrl: string): {
  process: ChildProcess;
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; ms: number }>;
} {
  const started = Date.now();
  const child = spawn(process.execPath, [join(ROOT, 'dist/apps/fanout/src/retention.main.js')], {
    env: { ...process.env, DATABASE_URL: databaseUrl, GATEWAY_RETENTION_DAYS: '30' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; ms: number }>(
    (resolve) => child.once('exit', (code, signal) => resolve({ code, signal, stdout, ms: Date.now() - started })),
  );
  return { process: child, done };
}

function describePass(pass: {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  ms: number;
}): string {
  if (pass.signal) return `killed after ${(pass.ms / 1000).toFixed(1)} s`;
  if (pass.code !== 0) return `failed (${pass.stdout.trim().slice(0, 200)})`;
  if (pass.stdout.includes('skipped')) return 'skipped (another pass held the lock)';
  const report = JSON.parse(pass.stdout.trim().split('\n').pop()!) as {
    droppedDays: string[];
    heldDays: string[];
    deletedDeliveries: number;
    ms: number;
  };
  return (
    `done in ${(report.ms / 1000).toFixed(1)} s (${report.droppedDays.length} days dropped, ` +
    `${report.heldDays.length} kept for deliveries to attempt, ${report.deletedDeliveries} deliveries deleted)`
  );
}

function writeReport(): void {
  if (!outcomes.length) return;
  const commit = (() => {
    try {
      return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT }).toString().trim();
    } catch {
      return 'unknown';
    }
  })();
  const rows = outcomes.map((o) =>
    [
      o.scenario,
      o.accepted,
      o.delivered,
      o.lost,
      o.duplicates,
      `${o.refused} / ${o.unanswered}`,
      o.recoverySeconds === null ? 'not within the run' : `${o.recoverySeconds.toFixed(1)} s`,
      o.note,
    ].join(' | '),
  );
  const table = [
    `Run: ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC, commit \`${commit}\`; ${RATE} signed events/s for ${SECONDS} s per scenario to ${ENDPOINTS} endpoints.`,
    '',
    '| scenario | accepted (2xx) | delivered to every endpoint | lost | duplicate deliveries | refused / unanswered | recovered in | notes |',
    '| --- | --: | --: | --: | --: | --: | --: | --- |',
    ...rows.map((r) => `| ${r} |`),
  ].join('\n');
  process.stdout.write(`\n${table}\n\n`);
  const begin = '<!-- chaos:results:begin -->';
  const end = '<!-- chaos:results:end -->';
  mkdirSync(dirname(REPORT), { recursive: true });
  const current = existsSync(REPORT) ? readFileSync(REPORT, 'utf8') : `# Reliability\n\n${begin}\n${end}\n`;
  const at = current.indexOf(begin);
  const stop = current.indexOf(end);
  const next =
    at >= 0 && stop > at
      ? `${current.slice(0, at + begin.length)}\n\n${table}\n\n${current.slice(stop)}`
      : `${current}\n${begin}\n\n${table}\n\n${end}\n`;
  writeFileSync(REPORT, next);
  // Formatted as the repository's format check expects, so a run leaves `npm test` green.
  execFileSync(process.execPath, [join(ROOT, 'node_modules/prettier/bin/prettier.cjs'), '--write', REPORT], {
    stdio: 'ignore',
  });
}
