import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dataSourceOptions } from '@gateway/persistence';
import { scratchDatabase, testInfra } from '@gateway/testing';

const ROOT = join(__dirname, '../..');

/**
 * The benchmark is a tool, not a test: this runs its smoke version (a few seconds per scenario, on the test run's
 * broker, and a database of its own as the benchmark has: retention decides by every tenant in it) so that
 * `npm run bench` keeps working, and checks that every figure it reports is real.
 */
describe('npm run bench -- --smoke', () => {
  jest.setTimeout(300_000);
  const out = mkdtempSync(join(tmpdir(), 'bench-smoke-'));
  let database: Awaited<ReturnType<typeof scratchDatabase>>;
  beforeAll(async () => {
    database = await scratchDatabase((url) => dataSourceOptions(url, { poolSize: 1 }));
  });
  afterAll(async () => {
    rmSync(out, { recursive: true, force: true });
    await database?.drop();
  });

  it('runs every scenario against the real stack and reports complete, loss-free figures', async () => {
    const { kafkaBrokers } = testInfra();
    const databaseUrl = database.url;
    const output: string[] = [];
    const code = await new Promise<number | null>((resolve) => {
      const child = spawn(process.execPath, [join(ROOT, 'bench/run.mjs'), '--smoke', '--out', out], {
        cwd: ROOT,
        env: { ...process.env, KAFKA_BROKERS: kafkaBrokers, DATABASE_URL: databaseUrl },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      for (const stream of [child.stdout, child.stderr]) stream.on('data', (d: Buffer) => output.push(d.toString()));
      child.on('exit', resolve);
    });
    expect({ code, output: code === 0 ? '' : output.join('') }).toEqual({ code: 0, output: '' });

    const files = readdirSync(out).filter((f) => f.endsWith('.json'));
    expect(files).toHaveLength(1);
    const r = JSON.parse(readFileSync(join(out, files[0]!), 'utf8'));

    expect(r.meta.smoke).toBe(true);
    expect(r.meta.versions).toEqual(
      expect.objectContaining({ node: process.versions.node, kafka: expect.any(String), postgres: expect.any(String) }),
    );
    // Baselines and the gateway's figures are measured, not placeholders.
    for (const perSecond of [r.baselines.http.max.perSecond, r.baselines.kafka.max.perSecond, r.ingest.max.perSecond])
      expect(perSecond).toBeGreaterThan(0);
    expect(r.ingest.max.ok).toBe(r.ingest.max.requests);
    expect(r.ingest.fixedRate.latency.count).toBe(r.ingest.fixedRate.requests);
    // Fixed-rate runs report how late the generator itself sent each request (one figure per request sent).
    for (const run of [r.baselines.http.fixedRate, r.ingest.fixedRate])
      expect(run.sendLateness.count).toBe(run.requests);

    for (const [scenario, endpoints] of [
      [r.endToEnd.one, 1],
      [r.endToEnd.ten, 10],
      [r.isolation, 9],
      [r.prefilled, 10],
    ] as const) {
      const phases = [scenario.throughput, scenario.latency];
      if (scenario === r.prefilled) phases.push(r.prefilled.retention.latencyDuringPass);
      for (const phase of phases) {
        expect(phase.endpoints).toBe(endpoints);
        expect(phase.accepted).toBe(phase.requests);
        // Every accepted event reached every healthy endpoint: the harness's own no-loss check.
        expect(phase.lost).toBe(0);
        expect(phase.delivered).toBe(phase.accepted * endpoints);
        expect(phase.latency.p99).toBeGreaterThan(0);
      }
    }
    // Scenario 3f: the same deliveries as scenario 3 (every sale matches the filter), none lost.
    const filtered = r.endToEnd.filtered.throughput;
    expect(filtered.endpoints).toBe(10);
    expect(filtered.lost).toBe(0);
    expect(filtered.delivered).toBe(filtered.accepted * 10);
    expect(r.ratios.filteredTenDeliveriesToTen).toBeGreaterThan(0);
    expect(r.lost).toBe(0);
    for (const service of ['admin-api', 'ingest', 'fanout', 'qerko-bridge'])
      expect(r.memory.peakRssMb[service]).toBeGreaterThan(20);
    // Scenario 6: a month of history written, and the retention pass (20 days kept) dropped the 10 oldest days.
    expect(r.prefilled.fill).toMatchObject({ days: 30, deliveries: r.prefilled.fill.events * 10 });
    expect(r.prefilled.fill.events).toBeGreaterThanOrEqual(3000);
    expect(r.prefilled.retention.pass.droppedDays).toHaveLength(10);
    expect(r.prefilled.retention.pass.expiredIds).toBe((r.prefilled.fill.events / 30) * 10);
    // Ratio targets need the CPU of the bare server and of each ten-endpoint round to be measured.
    expect(r.ratios.ingestCpuPerEventToBareCpuPerRequest).toBeGreaterThan(0);
    expect(r.ratios.tenBoxCpuPerDeliveryToReceivers).toBeGreaterThan(1);
    // Latency at half each scenario's maximum rate, in phases of their own.
    for (const half of [r.ingest.halfLoad, r.endToEnd.one.halfLoad, r.endToEnd.ten.halfLoad])
      expect(half).toMatchObject({ rate: expect.any(Number), latency: { p99: expect.any(Number) } });
    expect(r.endToEnd.ten.halfLoad.lost).toBe(0);
    // Scenario 7: every Qerko request answered synchronously, and what the gateway added measured on each leg.
    expect(r.qerko.statuses).toEqual({ 200: r.qerko.requests });
    expect(r.qerko.asyncReplies).toBe(0);
    for (const leg of [r.qerko.added, r.qerko.inbound, r.qerko.outbound])
      expect(leg).toMatchObject({ count: r.qerko.requests, p99: expect.any(Number) });
    expect(r.targets).toHaveLength(13);
    for (const t of r.targets) expect(typeof t.value).toBe('number');
  });
});
