import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GatewayProcesses, KAYNKO_EXAMPLES, Receiver, ServiceName, sendKaynko } from '@gateway/testing';

const SERVICES: ServiceName[] = ['admin-api', 'ingest', 'fanout', 'qerko-bridge'];
const DASHBOARD = join(__dirname, '../../deploy/grafana/pos-event-gateway.json');

/** Metric names a /metrics page declares (`# TYPE name kind`), with histogram series names expanded. */
function declared(page: string): Set<string> {
  const names = new Set<string>();
  for (const [, name, kind] of page.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    names.add(name!);
    if (kind === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) names.add(`${name}${suffix}`);
  }
  return names;
}

/** Metric names a PromQL expression selects (every metric in the dashboard is written with `{…}` or `[…]`). */
const selected = (expr: string) => [...expr.matchAll(/([a-zA-Z_:][a-zA-Z0-9_:]*)\s*[{[]/g)].map((m) => m[1]!);

/** Every service's /metrics page, and the Grafana dashboard in deploy/ checked against what the services expose. */
describe('metrics and the Grafana dashboard (four processes, real Kafka and Postgres)', () => {
  jest.setTimeout(120_000);
  const gateway = new GatewayProcesses();
  const receiver = new Receiver();
  const pages = new Map<ServiceName, string>();

  beforeAll(async () => {
    await Promise.all([gateway.start(), receiver.start()]);
    // One event through the whole path, so the scrape sees a gateway that has worked.
    const { key } = await gateway.tenantWithKey('Metrics');
    const secret = 'metrics-shop-secret';
    const shop = await gateway.kaynkoShop(key, { secret, endpointUrl: receiver.url() });
    const body = JSON.stringify({
      ...KAYNKO_EXAMPLES['sale.completed'],
      data: { ...KAYNKO_EXAMPLES['sale.completed'].data, saleId: Date.now() },
    });
    const res = await sendKaynko(shop.ingestUrl, secret, body);
    expect(res.status).toBe(202);
    await receiver.waitFor(1, 30_000);
    for (const service of SERVICES) {
      const page = await fetch(gateway.metricsUrl(service));
      expect(page.status).toBe(200);
      pages.set(service, await page.text());
    }
  });

  afterAll(async () => {
    await gateway.stop();
    await receiver.stop();
  });

  it('every metric the dashboard queries is exposed by a service', () => {
    const exposed = new Set([...pages.values()].flatMap((page) => [...declared(page)]));
    const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as {
      panels: Array<{ title: string; targets?: Array<{ expr: string }> }>;
    };
    const queried = dashboard.panels.flatMap((p) => (p.targets ?? []).flatMap((t) => selected(t.expr)));
    expect(queried.length).toBeGreaterThan(15);
    expect(queried.filter((name) => !exposed.has(name))).toEqual([]);
  });

  it('fan-out reports its consumer lag per partition, the retry queue and circuit states; Qerko its requests by state', () => {
    const fanout = pages.get('fanout')!;
    const lag = [...fanout.matchAll(/^fanout_consumer_lag\{[^}]*partition="(\d+)"[^}]*\} (\d+)$/gm)];
    expect(lag.length).toBe(6); // one sample per partition of gateway.events.v1
    expect(fanout).toMatch(/^fanout_retry_backlog\{[^}]*due="now"[^}]*\} \d+$/m);
    expect(fanout).toMatch(/^fanout_retry_backlog\{[^}]*due="later"[^}]*\} \d+$/m);
    expect(fanout).toMatch(/^fanout_attempts_total\{[^}]*outcome="succeeded"[^}]*\} [1-9]/m);
    expect(fanout).toMatch(/^fanout_circuit_breakers\{[^}]*state="closed"[^}]*\} [1-9]/m);
    expect(pages.get('qerko-bridge')).toMatch(/^qerko_requests_last_hour\{[^}]*state="pending"[^}]*\} \d+$/m);
    expect(pages.get('ingest')).toMatch(/^ingest_events_accepted_total\{[^}]*provider="kaynko"[^}]*\} [1-9]/m);
  });

  it("serves /metrics only on each service's METRICS_PORT, never on its public port", async () => {
    for (const service of SERVICES) {
      const onPublic = await fetch(`${gateway.url(service)}/metrics`);
      expect([service, onPublic.status]).toEqual([service, 404]);
      expect(await onPublic.json()).toEqual({ error: expect.objectContaining({ status: 404, code: 'not_found' }) });
      const metrics = gateway.instances(service)[0]!;
      const elsewhere = await fetch(`http://127.0.0.1:${metrics.metricsPort}/v1/tenants`);
      expect([service, elsewhere.status]).toEqual([service, 404]);
      const posted = await fetch(metrics.metricsUrl, { method: 'POST' });
      expect([service, posted.status, posted.headers.get('allow')]).toEqual([service, 405, 'GET, HEAD']);
    }
  });
});
