import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GatewayProcesses, Receiver, RunningService, ServiceName, call } from '@gateway/testing';
import { SignedLoad, receiptsAt } from './signed-load';

/** How many instances of each service the scenario runs (the first of each is GatewayProcesses' own). */
export const TOPOLOGY: Record<ServiceName, number> = { ingest: 2, fanout: 3, 'qerko-bridge': 2, 'admin-api': 2 };

export interface ScaleOutOptions {
  /** Events per second, over all sources together. */
  ratePerSecond: number;
  /** The load runs at least this long, and until every step of the plan is done. */
  seconds: number;
  sources: number;
  /** Endpoints subscribed to everything for the whole run. */
  steadyEndpoints: number;
  /** How long, after the load stops, every accepted event has to arrive. */
  drainMs: number;
  /** Restart every instance, or the first instance of each service (the short version). */
  restart: 'every-instance' | 'one-per-service';
}

export interface ScaleOutOutcome {
  accepted: number;
  /** Deliveries every accepted event was owed (steady endpoints, plus the endpoint created during the run). */
  owed: number;
  /** Deliveries that arrived (duplicates included). */
  delivered: number;
  /** Owed deliveries that never arrived. */
  lost: number;
  /** Arrivals beyond the first of an event at an endpoint. */
  duplicates: number;
  /** Deliveries to the deleted endpoint of events sent after its deletion was answered. */
  toDeletedEndpoint: number;
  /** Deliveries to the narrowed endpoint of events sent after its eventTypes stopped matching them. */
  toNarrowedEndpoint: number;
  /** Per source and steady endpoint: events that arrived after one the provider sent only after their 2xx. */
  orderViolations: number;
  /** The same, counting only events overtaken by one sent at least a second after their 2xx. */
  orderViolationsBeyondOneSecond: number;
  /** Answered, but not 2xx / not answered at all (after one retry on the other ingest). */
  refused: number;
  unanswered: number;
  /** What happened when, in seconds since the load started. */
  timeline: string[];
}

/**
 * The gateway the way platform teams run it: TOPOLOGY instances on one broker and one database, a steady signed
 * load over several sources, configuration changes during the run, a rolling restart of every instance (SIGTERM,
 * one at a time) and a fan-out instance killed with `kill -9` while the consumer group rebalances. Counts what the
 * receivers got against what ingest accepted.
 */
export async function scaleOut(gateway: GatewayProcesses, options: ScaleOutOptions): Promise<ScaleOutOutcome> {
  for (const [name, count] of Object.entries(TOPOLOGY) as Array<[ServiceName, number]>) {
    for (let i = gateway.instances(name).length; i < count; i++) await gateway.startExtra(name);
  }
  const admins = () => gateway.instances('admin-api').map((s) => s.url);
  const { key } = await gateway.tenantWithKey('scale-out');
  const api = async (method: string, path: string, body?: object) => {
    // Any admin-api instance will do; the one being restarted refuses the connection, so the other one answers.
    const failures: string[] = [];
    for (const url of admins()) {
      try {
        return await call(method, `${url}${path}`, { key, body });
      } catch (err) {
        failures.push(`${url}: ${(err as Error).message}`);
      }
    }
    throw new Error(`no admin-api instance answered ${method} ${path}: ${failures.join('; ')}`);
  };
  const endpoint = async (receiver: Receiver, eventTypes = ['kaynko.*']) => {
    const res = await api('POST', '/v1/endpoints', { url: receiver.url('/hook'), eventTypes });
    if (res.status !== 201) throw new Error(`endpoint: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body.id as string;
  };

  const receivers = await Promise.all(
    Array.from({ length: options.steadyEndpoints + 3 }, () => new Receiver().start()),
  );
  const steady = receivers.slice(0, options.steadyEndpoints);
  const [late, doomed, narrowed] = receivers.slice(options.steadyEndpoints) as [Receiver, Receiver, Receiver];
  for (const r of steady) await endpoint(r);
  const doomedId = await endpoint(doomed);
  const narrowedId = await endpoint(narrowed);

  const prefix = `S${randomBytes(3).toString('hex')}`;
  // The source's ingestUrl names one public address; its path (and token, if any) is served by every ingest instance.
  const ingestUrls = (ingestUrl: string) =>
    gateway.instances('ingest').map((s) => `${s.url}${new URL(ingestUrl).pathname}${new URL(ingestUrl).search}`);
  const loads: SignedLoad[] = [];
  for (let i = 0; i < options.sources; i++) {
    const secret = `scale-out-${randomBytes(12).toString('hex')}`;
    const res = await api('POST', '/v1/sources', { provider: 'kaynko', name: `shop ${i}`, secret });
    if (res.status !== 201) throw new Error(`source: ${res.status} ${JSON.stringify(res.body)}`);
    const url = ingestUrls(res.body.ingestUrl as string);
    loads.push(
      new SignedLoad({ url, secret, prefix: `${prefix}s${i}`, ratePerSecond: options.ratePerSecond / options.sources }),
    );
  }

  const timeline: string[] = [];
  const started = Date.now();
  const note = (what: string) => timeline.push(`${((Date.now() - started) / 1000).toFixed(1)} s ${what}`);
  const restart = async (service: RunningService, signal: NodeJS.Signals = 'SIGTERM') => {
    note(`${signal} ${service.name} :${service.port}`);
    await gateway.restartInstance(service, signal);
    note(`${service.name} :${service.port} ready again`);
  };
  for (const load of loads) load.start();
  await pause(1000);

  // Configuration changes while everything runs; each takes effect for the events sent after its answer.
  await endpoint(late);
  const lateFrom = Date.now();
  note('endpoint created');

  const toRestart = (name: ServiceName) =>
    options.restart === 'every-instance' ? gateway.instances(name) : gateway.instances(name).slice(0, 1);
  for (const service of toRestart('ingest')) await restart(service);

  expect200(await api('PATCH', `/v1/endpoints/${narrowedId}`, { eventTypes: ['kaynko.ping'] }), 'narrow');
  const narrowedFrom = Date.now();
  note('endpoint narrowed to kaynko.ping');
  expect204(await api('DELETE', `/v1/endpoints/${doomedId}`), 'delete');
  const deletedFrom = Date.now();
  note('endpoint deleted');

  for (const name of ['fanout', 'qerko-bridge', 'admin-api'] as const) {
    for (const service of toRestart(name)) await restart(service);
  }

  // A fan-out instance leaves (SIGTERM: the group rebalances); while the others re-join, another one is killed.
  const [leaving, crashing] = gateway.instances('fanout') as [RunningService, RunningService];
  const left = new Promise<void>((resolve) => leaving.process.once('exit', () => resolve()));
  const rejoined = restart(leaving);
  await left;
  await restart(crashing, 'SIGKILL');
  await rejoined;

  await pause(options.seconds * 1000 - (Date.now() - started));
  for (const load of loads) await load.stop();
  note('load stopped');

  // Every accepted event owes one delivery to each steady endpoint, and to the late one when sent after its creation.
  const owedAt = (r: Receiver, load: SignedLoad) =>
    [...load.accepted.keys()].filter((receipt) => r !== late || load.sentAt.get(receipt)! > lateFrom);
  const missing = () =>
    [...steady, late].reduce((sum, r) => {
      return (
        sum +
        loads.reduce((n, load) => {
          const got = receiptsAt(r, load.options.prefix);
          return n + owedAt(r, load).filter((receipt) => !got.has(receipt)).length;
        }, 0)
      );
    }, 0);
  const deadline = Date.now() + options.drainMs;
  while (missing() > 0 && Date.now() < deadline) await pause(500);
  await pause(1000); // late duplicates count too
  note('drained');

  let owed = 0;
  let delivered = 0;
  let duplicates = 0;
  let orderViolations = 0;
  let orderViolationsBeyondOneSecond = 0;
  for (const r of [...steady, late]) {
    for (const load of loads) {
      owed += owedAt(r, load).length;
      for (const count of receiptsAt(r, load.options.prefix).values()) {
        delivered += count;
        duplicates += count - 1;
      }
      if (r !== late) {
        orderViolations += inversions(r, load);
        orderViolationsBeyondOneSecond += inversions(r, load, 1000);
      }
    }
  }
  const sentAfter = (r: Receiver, from: number) =>
    loads.reduce(
      (n, load) =>
        n + [...receiptsAt(r, load.options.prefix).keys()].filter((receipt) => load.sentAt.get(receipt)! > from).length,
      0,
    );
  await Promise.all(receivers.map((r) => r.stop()));
  return {
    accepted: loads.reduce((n, load) => n + load.accepted.size, 0),
    owed,
    delivered,
    lost: missing(),
    duplicates,
    toDeletedEndpoint: sentAfter(doomed, deletedFrom),
    toNarrowedEndpoint: sentAfter(narrowed, narrowedFrom),
    orderViolations,
    orderViolationsBeyondOneSecond,
    refused: loads.reduce((n, load) => n + load.refused, 0),
    unanswered: loads.reduce((n, load) => n + load.failed, 0),
    timeline,
  };
}

/**
 * Events of this load that reached `receiver` after an event the provider sent only once it had this one's 2xx (A
 * answered, then B sent, and B arrived first: A is out of order). Events in flight together have no order.
 */
function inversions(receiver: Receiver, load: SignedLoad, marginMs = 0): number {
  const pattern = new RegExp(`"receiptNumber":"(${load.options.prefix}-\\d+)"`);
  const seen = new Set<string>();
  let latestSentBefore = -Infinity; // of the events that arrived before this one
  let count = 0;
  for (const request of receiver.requests) {
    const receipt = pattern.exec(request.body.toString())?.[1];
    if (!receipt || seen.has(receipt) || !load.accepted.has(receipt)) continue;
    seen.add(receipt);
    if (latestSentBefore > load.accepted.get(receipt)! + marginMs) count++;
    latestSentBefore = Math.max(latestSentBefore, load.sentAt.get(receipt)!);
  }
  return count;
}

function expect200(res: { status: number; body: unknown }, what: string): void {
  if (res.status !== 200) throw new Error(`${what}: ${res.status} ${JSON.stringify(res.body)}`);
}

function expect204(res: { status: number; body: unknown }, what: string): void {
  if (res.status !== 204) throw new Error(`${what}: ${res.status} ${JSON.stringify(res.body)}`);
}

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}

/** The outcome as a Markdown table, also written between the scale-out markers of `report` when given. */
export function reportScaleOut(outcome: ScaleOutOutcome, options: ScaleOutOptions, report?: string): string {
  const commit = (() => {
    try {
      return execFileSync('git', ['rev-parse', '--short', 'HEAD']).toString().trim();
    } catch {
      return 'unknown';
    }
  })();
  const topology = Object.entries(TOPOLOGY)
    .map(([name, count]) => `${count} × ${name}`)
    .join(', ');
  const percent = (n: number) => `${((100 * n) / Math.max(1, outcome.delivered)).toFixed(2)} %`;
  const rows: Array<[string, string | number]> = [
    ['accepted (2xx)', outcome.accepted],
    ['deliveries owed / arrived', `${outcome.owed} / ${outcome.delivered}`],
    ['lost', outcome.lost],
    ['duplicate deliveries', `${outcome.duplicates} (${percent(outcome.duplicates)} of arrivals)`],
    ['to the endpoint deleted before the event was sent', outcome.toDeletedEndpoint],
    ['to the endpoint whose eventTypes stopped matching', outcome.toNarrowedEndpoint],
    ['events overtaken by a later one of their source (sent after their 2xx)', outcome.orderViolations],
    ['… by one sent at least 1 s after their 2xx', outcome.orderViolationsBeyondOneSecond],
    ['refused / unanswered', `${outcome.refused} / ${outcome.unanswered}`],
  ];
  const table = [
    `Run: ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC, commit \`${commit}\`; ${topology}; ` +
      `${options.ratePerSecond} signed events/s over ${options.sources} sources for ${options.seconds} s to ` +
      `${options.steadyEndpoints} steady endpoints.`,
    '',
    '| measure | value |',
    '| --- | --: |',
    ...rows.map(([measure, value]) => `| ${measure} | ${value} |`),
    '',
    `Timeline: ${outcome.timeline.join('; ')}.`,
  ].join('\n');
  if (report) {
    const begin = '<!-- scale-out:results:begin -->';
    const end = '<!-- scale-out:results:end -->';
    // A report file of one's own (CHAOS_REPORT) starts as just the block.
    const current = existsSync(report) ? readFileSync(report, 'utf8') : `${begin}\n${end}\n`;
    const at = current.indexOf(begin);
    const stop = current.indexOf(end);
    if (at < 0 || stop < at) throw new Error(`${report} has no ${begin} … ${end} block`);
    writeFileSync(report, `${current.slice(0, at + begin.length)}\n\n${table}\n\n${current.slice(stop)}`);
    const prettier = join(__dirname, '../../node_modules/prettier/bin/prettier.cjs');
    execFileSync(process.execPath, [prettier, '--write', report], { stdio: 'ignore' });
  }
  return table;
}
