import { randomBytes } from 'node:crypto';
import { GatewayProcesses, KAYNKO_EXAMPLES, Receiver, call, eventually } from '@gateway/testing';

/** Dozens of keys, thousands of events; some keys' deliveries fail at random (a third of their attempts). */
const KEYS = 40;
const PER_KEY = 50;
const FAILING_KEYS = 6;

/**
 * Ordered endpoints on the real broker and database: per key, the receiver's first successes come in the order ingest
 * accepted the events, whatever fails, and whatever happens to fan-out; keys that never fail are not held back.
 */
describe('ordered endpoints (four processes, real Kafka and Postgres)', () => {
  jest.setTimeout(300_000);
  const gateway = new GatewayProcesses({
    // Twenty quick retries: a failing key's delivery is retried until it succeeds (a third fail: 20 in a row never).
    GATEWAY_RETRY_SCHEDULE: Array.from({ length: 20 }, () => '200ms').join(','),
    FANOUT_POLL_INTERVAL_MS: '100',
    // Thousands of sales from one source as fast as ingest takes them: its per-source rate limit (a policy, 500/s by
    // default, tested in ingest.e2e-spec) would answer some 429, which these tests are not about.
    INGEST_RATE_LIMIT_PER_SOURCE: '100000',
  });
  const receivers: Receiver[] = [];

  beforeAll(() => gateway.start());
  afterAll(async () => {
    await gateway.stop();
    await Promise.all(receivers.map((r) => r.stop()));
  });

  /** A receiver that records, per sale, its events' first successes; `fails(saleId)` says whether to answer 500. */
  async function recorder(fails: (saleId: number) => boolean) {
    const r = await new Receiver().start();
    receivers.push(r);
    const firstSuccess = new Map<string, number>();
    const order = new Map<number, number[]>();
    let requests = 0;
    r.behaviour = (req, res) => {
      requests++;
      const { saleId, receiptNumber } = JSON.parse(req.body.toString()).data as {
        saleId: number;
        receiptNumber: string;
      };
      if (fails(saleId)) return void res.writeHead(500).end('not now');
      res.writeHead(200).end('ok');
      if (firstSuccess.has(receiptNumber)) return;
      firstSuccess.set(receiptNumber, Date.now());
      const n = Number(receiptNumber.split('-')[2]);
      order.set(saleId, [...(order.get(saleId) ?? []), n]);
    };
    return {
      receiver: r,
      /** Per sale, the event numbers in the order of their first successes. */
      order,
      firstSuccess,
      get requests() {
        return requests;
      },
      /** When the last of these sales' events first succeeded. */
      finishedAt: (saleIds: number[]) =>
        Math.max(
          ...saleIds.flatMap((id) =>
            Array.from({ length: PER_KEY }, (_, i) => firstSuccess.get(receipt(id, i + 1)) ?? Infinity),
          ),
        ),
    };
  }

  const receipt = (saleId: number, n: number) => `R-${saleId}-${n}`;

  /** A tenant with a Kaynko source; `send` sends each sale's events in order (each once the one before is accepted). */
  async function tenant() {
    const admin = gateway.url('admin-api');
    const { key } = await gateway.tenantWithKey(`Ordered ${randomBytes(3).toString('hex')}`);
    const source = await call('POST', `${admin}/v1/sources`, { key, body: { provider: 'kaynko', name: 'Shop' } });
    expect(source.status).toBe(201);
    const api = (method: string, path: string, body?: unknown) => call(method, `${admin}${path}`, { key, body });
    const endpoint = async (body: Record<string, unknown>) => {
      const res = await api('POST', '/v1/endpoints', { eventTypes: ['kaynko.sale.completed'], ...body });
      expect(res.status).toBe(201);
      return res.body as { id: string; ordering: string; orderingKey: string | null };
    };
    const sendSale = async (saleId: number, n: number) => {
      const body = JSON.stringify({
        ...KAYNKO_EXAMPLES['sale.completed'],
        data: { ...KAYNKO_EXAMPLES['sale.completed'].data, saleId, receiptNumber: receipt(saleId, n) },
      });
      const res = await call('POST', source.body.ingestUrl, {
        rawBody: body,
        headers: { 'content-type': 'application/json', 'x-kaynko-event': 'sale.completed' },
      });
      expect(res.status).toBe(202);
    };
    /** Every sale's PER_KEY events, the sales side by side, each sale's one after another. */
    const sendAll = (saleIds: number[], perKey = PER_KEY) =>
      Promise.all(
        saleIds.map(async (saleId) => {
          for (let n = 1; n <= perKey; n++) await sendSale(saleId, n);
        }),
      );
    return { api, endpoint, sendSale, sendAll };
  }

  const sales = (base: number) => Array.from({ length: KEYS }, (_, i) => base + i);
  /** A third of the attempts for the failing sales fail, at random. */
  const randomlyFailing = (failing: Set<number>) => (saleId: number) => failing.has(saleId) && Math.random() < 1 / 3;

  function expectInOrder(order: Map<number, number[]>, saleIds: number[], perKey = PER_KEY) {
    const everyOne = Array.from({ length: perKey }, (_, i) => i + 1);
    const wrong = saleIds.filter((id) => JSON.stringify(order.get(id)) !== JSON.stringify(everyOne));
    expect(wrong.map((id) => ({ saleId: id, firstSuccesses: order.get(id) }))).toEqual([]);
  }

  it('delivers every key in acceptance order; failing keys hold back only themselves (others as fast as unordered)', async () => {
    const t = await tenant();
    const ids = sales(1000);
    const failing = new Set(ids.slice(0, FAILING_KEYS));
    const ordered = await recorder(randomlyFailing(failing));
    const unordered = await recorder(() => false);
    const ep = await t.endpoint({ url: ordered.receiver.url(), ordering: 'key', orderingKey: '/data/saleId' });
    expect(ep).toMatchObject({ ordering: 'key', orderingKey: '/data/saleId' });
    await t.endpoint({ url: unordered.receiver.url() });

    const started = Date.now();
    await t.sendAll(ids);
    await eventually(() => Promise.resolve(ordered.firstSuccess.size === KEYS * PER_KEY || null), 120_000);
    await eventually(() => Promise.resolve(unordered.firstSuccess.size === KEYS * PER_KEY || null), 60_000);

    expectInOrder(ordered.order, ids);
    const steady = ids.filter((id) => !failing.has(id));
    const orderedMs = ordered.finishedAt(steady) - started;
    const unorderedMs = unordered.finishedAt(steady) - started;
    console.log(
      `ordered endpoint: ${KEYS * PER_KEY} events over ${KEYS} keys; keys that never fail done in ${orderedMs} ms, ` +
        `on an unordered endpoint in ${unorderedMs} ms (ratio ${(orderedMs / unorderedMs).toFixed(3)}); ` +
        `${ordered.requests - KEYS * PER_KEY} retries on the ${FAILING_KEYS} failing keys`,
    );
    expect(orderedMs).toBeLessThanOrEqual(unorderedMs * 1.1);
    // The failing keys were retried (the order above held through those retries).
    expect(ordered.requests).toBeGreaterThan(KEYS * PER_KEY);
  });

  it('keeps each key in acceptance order when fan-out is killed with kill -9 mid-run and started again', async () => {
    const t = await tenant();
    const ids = sales(2000);
    const failing = new Set(ids.slice(0, FAILING_KEYS));
    const ordered = await recorder(randomlyFailing(failing));
    await t.endpoint({ url: ordered.receiver.url(), ordering: 'key', orderingKey: '/data/saleId' });

    const sending = t.sendAll(ids);
    await eventually(() => Promise.resolve(ordered.firstSuccess.size >= (KEYS * PER_KEY) / 4 || null), 60_000);
    await gateway.kill('fanout', 'SIGKILL');
    await gateway.restart('fanout');
    await sending;
    await eventually(() => Promise.resolve(ordered.firstSuccess.size === KEYS * PER_KEY || null), 180_000);
    expectInOrder(ordered.order, ids);
  });

  it('orders by source, holding back the whole source behind a failing delivery', async () => {
    const t = await tenant();
    let failFirst = 3;
    const r = await recorder(() => failFirst-- > 0);
    await t.endpoint({ url: r.receiver.url(), ordering: 'source' });
    // Sales 1..5, one event each, in this order: the first fails three times, and the rest wait for it.
    for (let saleId = 1; saleId <= 5; saleId++) await t.sendSale(saleId, 1);
    await eventually(() => Promise.resolve(r.firstSuccess.size === 5 || null), 30_000);
    const byTime = [...r.firstSuccess.entries()].sort((a, b) => a[1] - b[1]).map(([receiptNumber]) => receiptNumber);
    expect(byTime).toEqual([1, 2, 3, 4, 5].map((saleId) => receipt(saleId, 1)));
    expect(r.requests).toBe(8);
  });

  it('shows the keys held back, and by which delivery, in the endpoint stats and the metrics', async () => {
    const t = await tenant();
    const r = await recorder((saleId) => saleId === 7);
    const ep = await t.endpoint({ url: r.receiver.url(), ordering: 'key', orderingKey: '/data/saleId' });
    await t.sendSale(7, 1);
    await t.sendSale(7, 2);
    await t.sendSale(8, 1);
    await eventually(() => Promise.resolve(r.firstSuccess.has(receipt(8, 1)) || null), 30_000);
    const stats = await eventually(async () => {
      const res = await t.api('GET', `/v1/endpoints/${ep.id}/stats`);
      return res.body.ordering?.heldKeys === 1 ? res.body : null;
    }, 30_000);
    const [held] = stats.ordering.held;
    expect(stats.ordering).toMatchObject({ ordering: 'key', heldKeys: 1 });
    expect(held).toMatchObject({ key: '7', waiting: 1, replayId: null });
    expect(held.attempts).toBeGreaterThanOrEqual(1);
    const delivery = await t.api('GET', `/v1/deliveries/${held.deliveryId}`);
    expect(delivery.body.status).toBe('retrying');
    // The second event of sale 7 was never attempted: it waits behind the first.
    expect(r.firstSuccess.size).toBe(1);
    expect(r.requests).toBeGreaterThan(1);
    const metrics = (await call('GET', gateway.metricsUrl('fanout'))).body as string;
    expect(metrics).toMatch(/fanout_ordered_keys_held\{[^}]*\} [1-9]/);
    // An endpoint without order has no ordering stats.
    const plain = await t.endpoint({ url: r.receiver.url() });
    expect((await t.api('GET', `/v1/endpoints/${plain.id}/stats`)).body.ordering).toBeNull();
  });

  it('replays an ordered endpoint in acceptance order per key, retries and all', async () => {
    const t = await tenant();
    const ids = sales(3000).slice(0, 10);
    const perKey = 20;
    const earlier = await recorder(() => false);
    await t.endpoint({ url: earlier.receiver.url() });
    await t.sendAll(ids, perKey);
    await eventually(() => Promise.resolve(earlier.firstSuccess.size === ids.length * perKey || null), 60_000);

    // An endpoint added afterwards gets those events by a replay, each key in order through random failures.
    const ordered = await recorder(randomlyFailing(new Set(ids.slice(0, 3))));
    const ep = await t.endpoint({ url: ordered.receiver.url(), ordering: 'key', orderingKey: '/data/saleId' });
    const since = new Date(Date.now() - 3600_000).toISOString();
    const replay = await t.api('POST', `/v1/endpoints/${ep.id}/replay`, { since });
    expect([replay.status, replay.body.total]).toEqual([202, ids.length * perKey]);
    await eventually(() => Promise.resolve(ordered.firstSuccess.size === ids.length * perKey || null), 90_000);
    expectInOrder(ordered.order, ids, perKey);
    expect(ordered.requests).toBeGreaterThan(ids.length * perKey);
  });

  it('refuses an orderingKey without key ordering, key ordering without one, and a key that is no JSON Pointer', async () => {
    const t = await tenant();
    const url = 'https://example.com/hook';
    const create = (body: Record<string, unknown>) =>
      t.api('POST', '/v1/endpoints', { url, eventTypes: ['kaynko.sale.completed'], ...body });
    const refusals = await Promise.all([
      create({ ordering: 'key' }),
      create({ ordering: 'source', orderingKey: '/data/saleId' }),
      create({ orderingKey: '/data/saleId' }),
      create({ ordering: 'key', orderingKey: 'data.saleId' }),
      create({ ordering: 'key', orderingKey: '/payload/saleId' }),
      create({ ordering: 'sometimes' }),
    ]);
    expect(refusals.map((r) => [r.status, r.body.error?.details?.[0]?.field])).toEqual([
      [400, 'orderingKey'],
      [400, 'orderingKey'],
      [400, 'orderingKey'],
      [400, 'orderingKey'],
      [400, 'orderingKey'],
      [400, 'ordering'],
    ]);
    // A change of ordering away from key drops the key; to key needs one.
    const ep = await create({ ordering: 'key', orderingKey: '/data/saleId' });
    expect(ep.status).toBe(201);
    const toSource = await t.api('PATCH', `/v1/endpoints/${ep.body.id}`, { ordering: 'source' });
    expect(toSource.body).toMatchObject({ ordering: 'source', orderingKey: null });
    const toKey = await t.api('PATCH', `/v1/endpoints/${ep.body.id}`, { ordering: 'key' });
    expect([toKey.status, toKey.body.error?.details?.[0]?.field]).toEqual([400, 'orderingKey']);
    const plain = await create({});
    expect(plain.body).toMatchObject({ ordering: 'none', orderingKey: null });
  });

  it('keeps each key in order across several fan-out instances and a rebalance mid-run', async () => {
    const t = await tenant();
    const ids = sales(4000);
    const failing = new Set(ids.slice(0, FAILING_KEYS));
    const ordered = await recorder(randomlyFailing(failing));
    await t.endpoint({ url: ordered.receiver.url(), ordering: 'key', orderingKey: '/data/saleId' });
    // Two instances share the partitions (and the retry queue); a third joins mid-run and leaves again (SIGTERM).
    await gateway.startExtra('fanout');
    const sending = t.sendAll(ids);
    await eventually(() => Promise.resolve(ordered.firstSuccess.size >= (KEYS * PER_KEY) / 4 || null), 60_000);
    const third = await gateway.startExtra('fanout');
    await eventually(() => Promise.resolve(ordered.firstSuccess.size >= (KEYS * PER_KEY) / 2 || null), 60_000);
    await gateway.restartInstance(third, 'SIGTERM');
    await sending;
    await eventually(() => Promise.resolve(ordered.firstSuccess.size === KEYS * PER_KEY || null), 180_000);
    expectInOrder(ordered.order, ids);
  });
});
