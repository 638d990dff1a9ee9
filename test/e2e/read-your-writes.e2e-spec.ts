import { randomBytes, randomUUID } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import {
  DIGITAX_EXAMPLES,
  GatewayProcesses,
  KAYNKO_EXAMPLES,
  Receiver,
  RunningService,
  call,
  eventually,
  sendKaynko,
} from '@gateway/testing';

/**
 * The read-your-writes guarantee (docs/architecture.md, "Configuration changes"): once admin-api answered 2xx to a
 * change, every event accepted after that answer is handled under it, on every instance. Each step here sends at
 * once after the change's answer — no wait, no retry — alternating between two instances of ingest, two of fan-out
 * and two of the Qerko bridge, fifty times over.
 */
describe('read-your-writes configuration (two instances of ingest, fan-out and the Qerko bridge)', () => {
  jest.setTimeout(300_000);
  const ROUNDS = 50;
  // Configuration changes back to back with one key, as fast as the API answers: its per-key rate limit (a policy,
  // 50/s by default, tested in admin-api.e2e-spec) would answer some 429, which these tests are not about.
  const gateway = new GatewayProcesses({ ADMIN_API_RATE_LIMIT_PER_KEY: '1000' });
  const receiver = new Receiver();
  let admin: string;
  let key: string;
  const ingests: string[] = [];
  const bridges: string[] = [];
  /** The fan-out instances' metrics pages. */
  const fanouts: string[] = [];
  const extras: RunningService[] = [];

  beforeAll(async () => {
    await Promise.all([gateway.start(), receiver.start()]);
    admin = gateway.url('admin-api');
    for (const name of ['ingest', 'fanout', 'qerko-bridge'] as const) extras.push(await gateway.startExtra(name));
    ingests.push(gateway.url('ingest'), extras[0]!.url);
    fanouts.push(gateway.metricsUrl('fanout'), extras[1]!.metricsUrl);
    bridges.push(gateway.url('qerko-bridge'), extras[2]!.url);
    key = (await gateway.tenantWithKey('read-your-writes')).key;
  });
  afterAll(async () => {
    await gateway.stop();
    await receiver.stop();
  });

  const api = (method: string, path: string, body?: unknown) => call(method, `${admin}${path}`, { key, body });
  /** The same path on another instance of the service that `url` points at. */
  const on = (instance: string, url: string) => instance + new URL(url).pathname + new URL(url).search;

  it('a source is accepted right after it is created or enabled, and refused right after it is disabled or deleted', async () => {
    const body = JSON.stringify(KAYNKO_EXAMPLES['sale.completed']);
    const outcomes: string[] = [];
    const expected: string[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      const ingest = ingests[i % 2]!;
      const secret = `whk_${randomBytes(12).toString('hex')}`;
      const digitax = i % 5 === 4;
      const created = await api(
        'POST',
        '/v1/sources',
        digitax ? { provider: 'digitax', name: `eTIMS ${i}` } : { provider: 'kaynko', name: `Shop ${i}`, secret },
      );
      expect(created.status).toBe(201);
      const url = on(ingest, created.body.ingestUrl);
      const send = () =>
        digitax ? call('POST', url, { body: DIGITAX_EXAMPLES['sale.sync'] }) : sendKaynko(url, secret, body);
      const record = async (step: string, want: number) => {
        outcomes.push(`${i} ${step} ${(await send()).status}`);
        expected.push(`${i} ${step} ${want}`);
      };
      await record('created', 202);
      expect((await api('POST', `/v1/sources/${created.body.id}/disable`)).status).toBe(200);
      await record('disabled', 404);
      expect((await api('POST', `/v1/sources/${created.body.id}/enable`)).status).toBe(200);
      await record('enabled', 202);
      expect((await api('DELETE', `/v1/sources/${created.body.id}`)).status).toBe(204);
      await record('deleted', 404);
    }
    expect(outcomes).toEqual(expected);
  });

  it('a Qerko source is known to every bridge right after it is created, and unknown right after it is disabled', async () => {
    const outcomes: string[] = [];
    const expected: string[] = [];
    const frame = JSON.stringify({ type: 'method-call-request', uuid: 'u', method: 'getTables', args: [] });
    for (let i = 0; i < ROUNDS; i++) {
      const created = await api('POST', '/v1/sources', {
        provider: 'qerko',
        name: `Qerko ${i}`,
        secret: `qk_${randomBytes(12).toString('hex')}`,
        config: { apiBaseUrl: receiver.url('/qerko/api/v4'), posId: randomUUID() },
      });
      expect({ status: created.status, body: created.body }).toMatchObject({ status: 201 });
      // A wrong signature: 401 from a bridge that knows the source, 404 from one that does not.
      const send = async (step: string, want: number) => {
        const res = await call('POST', on(bridges[i % 2]!, created.body.ingestUrl), {
          rawBody: frame,
          headers: { 'content-type': 'application/json', 'signature-sha256': 'f'.repeat(64) },
        });
        outcomes.push(`${i} ${step} ${res.status}`);
        expected.push(`${i} ${step} ${want}`);
      };
      await send('created', 401);
      expect((await api('POST', `/v1/sources/${created.body.id}/disable`)).status).toBe(200);
      await send('disabled', 404);
    }
    expect(outcomes).toEqual(expected);
  });

  it('an endpoint gets exactly the events accepted while it matched, signed with its newest secret', async () => {
    const source = await api('POST', '/v1/sources', { provider: 'kaynko', name: 'Endpoints shop' });
    expect(source.status).toBe(201);
    const control = await api('POST', '/v1/endpoints', { url: receiver.url('/control'), eventTypes: ['*'] });
    expect(control.status).toBe(201);
    let saleId = 1_000_000;
    let sent = 0;
    const deliveredTo = (path: string) => receiver.requests.filter((r) => r.path === path);
    /**
     * A new sale through ingest instance `n % 2`, sent at once; returns its event id once the control endpoint has it.
     * (The guarantee is about the changes confirmed before an event was accepted; an event accepted before a change
     * may be matched under it too, if fan-out reaches it later. So the next change waits for this event's outcome.)
     */
    const sale = async (n: number) => {
      const data = { ...KAYNKO_EXAMPLES['sale.completed'].data, saleId: saleId++ };
      const res = await call('POST', on(ingests[n % 2]!, source.body.ingestUrl), {
        rawBody: JSON.stringify({ ...KAYNKO_EXAMPLES['sale.completed'], data }),
        headers: { 'content-type': 'application/json', 'x-kaynko-event': 'sale.completed' },
      });
      expect(res.status).toBe(202);
      sent++;
      const id = res.body.id as string;
      await eventually(
        () => Promise.resolve(deliveredTo('/control').some((r) => r.headers['webhook-id'] === id)),
        10_000,
        5,
      );
      return id;
    };
    const wanted = new Map<string, Set<string>>(); // path → event ids it must get, and nothing else
    const rotated = new Map<string, { eventId: string; secret: string }>();
    for (let i = 0; i < ROUNDS; i++) {
      const path = `/e${i}`;
      const want = new Set<string>();
      wanted.set(path, want);
      const created = await api('POST', '/v1/endpoints', {
        url: receiver.url(path),
        eventTypes: ['kaynko.sale.completed'],
      });
      expect(created.status).toBe(201);
      const id = created.body.id as string;
      want.add(await sale(i));
      expect((await api('PATCH', `/v1/endpoints/${id}`, { eventTypes: ['kaynko.ping'] })).status).toBe(200);
      await sale(i + 1);
      expect((await api('PATCH', `/v1/endpoints/${id}`, { eventTypes: ['kaynko.*'] })).status).toBe(200);
      want.add(await sale(i));
      // A filter that refuses the next sale (its saleId is `saleId`), then one that accepts it and every later one.
      const past = (from: number) => ({ filter: { 'data.saleId': { $gte: from } } });
      expect((await api('PATCH', `/v1/endpoints/${id}`, past(saleId + 1))).status).toBe(200);
      await sale(i + 1);
      expect((await api('PATCH', `/v1/endpoints/${id}`, past(saleId))).status).toBe(200);
      want.add(await sale(i));
      const rotation = await api('POST', `/v1/endpoints/${id}/rotate-secret`, {});
      expect(rotation.status).toBe(200);
      const afterRotation = await sale(i + 1);
      want.add(afterRotation);
      rotated.set(path, { eventId: afterRotation, secret: rotation.body.secret });
      expect((await api('PATCH', `/v1/endpoints/${id}`, { enabled: false })).status).toBe(200);
      await sale(i);
      expect((await api('PATCH', `/v1/endpoints/${id}`, { enabled: true })).status).toBe(200);
      want.add(await sale(i + 1));
      expect((await api('DELETE', `/v1/endpoints/${id}`)).status).toBe(204);
      await sale(i);
    }

    // Every event reached the control endpoint; then both fan-out instances finished all they were given.
    expect(new Set(deliveredTo('/control').map((r) => r.headers['webhook-id'])).size).toBe(sent);
    await eventually(async () => (await Promise.all(fanouts.map(idle))).every(Boolean), 30_000);

    const got = [...wanted.keys()].map((path) => ({
      path,
      events: deliveredTo(path)
        .map((r) => r.headers['webhook-id'])
        .sort(),
    }));
    expect(got).toEqual([...wanted].map(([path, ids]) => ({ path, events: [...ids].sort() })));
    for (const [path, { eventId, secret }] of rotated) {
      const request = deliveredTo(path).find((r) => r.headers['webhook-id'] === eventId)!;
      expect(() => new Webhook(secret).verify(request.body.toString(), request.headers)).not.toThrow();
    }
  });

  it('a revoked or regenerated API key is refused at once by admin-api and by the Qerko replies route', async () => {
    const tenant = (await call('GET', `${admin}/v1/tenants`, { key: gateway.operatorKey })).body;
    const tenantId = (Array.isArray(tenant) ? tenant : tenant.data).find(
      (t: { name: string }) => t.name === 'read-your-writes',
    ).id;
    const outcomes: string[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      const made = await call('POST', `${admin}/v1/tenants/${tenantId}/api-keys`, {
        key: gateway.operatorKey,
        body: { name: `k${i}`, scopes: ['qerko:reply', 'sources:read'] },
      });
      expect(made.status).toBe(201);
      const old = made.body.key as string;
      const change =
        i % 2
          ? await call('DELETE', `${admin}/v1/api-keys/${made.body.id}`, { key: gateway.operatorKey })
          : await call('POST', `${admin}/v1/api-keys/${made.body.id}/regenerate`, { key: gateway.operatorKey });
      expect(change.status).toBeLessThan(300);
      const listed = await call('GET', `${admin}/v1/sources`, { key: old });
      const replied = await call('POST', `${bridges[i % 2]}/v1/qerko/replies`, {
        key: old,
        body: { uuid: `u-${i}`, result: true },
      });
      outcomes.push(`${i} ${listed.status} ${replied.status}`);
    }
    expect(outcomes).toEqual(Array.from({ length: ROUNDS }, (_, i) => `${i} 401 401`));
  });
});

/** Whether a fan-out instance has nothing queued in memory and no attempt in flight (from its /metrics). */
async function idle(metricsUrl: string): Promise<boolean> {
  const text = await (await fetch(metricsUrl)).text();
  const value = (name: string) => Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
  if (value('fanout_queued_deliveries') === 0 && value('fanout_in_flight_attempts') === 0) return true;
  throw new Error(
    `${metricsUrl} is busy: ${text
      .split('\n')
      .filter((l) => /^fanout_(queued|in_flight)/.test(l))
      .join(', ')}`,
  );
}
