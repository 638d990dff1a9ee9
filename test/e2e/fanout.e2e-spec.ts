import { createHmac, randomInt, timingSafeEqual } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { Client } from 'pg';
import { Webhook } from 'standardwebhooks';
import Ajv2020 from 'ajv/dist/2020';
import { CanonicalEventV1, describeEventTypes } from '@gateway/contracts';
import { GatewayProcesses, KAYNKO_EXAMPLES, Receiver, call, eventually, testInfra } from '@gateway/testing';

const RETRY_SCHEDULE = '300ms,600ms,1s,2s';

/**
 * Fan-out against real local receivers that misbehave on purpose, on the real broker and database. Each test works
 * in its own tenant, so its events reach only its own endpoints.
 */
describe('fan-out delivery (four processes, real Kafka and Postgres)', () => {
  jest.setTimeout(180_000);
  const gateway = new GatewayProcesses({
    GATEWAY_RETRY_SCHEDULE: RETRY_SCHEDULE,
    FANOUT_POLL_INTERVAL_MS: '100',
    FANOUT_RESPONSE_BODY_LIMIT_BYTES: '1024',
    GATEWAY_SECRET_ROTATION_OVERLAP_HOURS: '1',
    // A first attempt's row is written with its outcome; one in flight this long is written pending first.
    FANOUT_SAVE_AFTER_MS: '5000',
  });
  const receivers: Receiver[] = [];

  beforeAll(() => gateway.start());
  afterAll(async () => {
    await gateway.stop();
    await Promise.all(receivers.map((r) => r.stop()));
  });

  const receiver = async () => {
    const r = await new Receiver().start();
    receivers.push(r);
    return r;
  };

  /** A tenant with a Kaynko source (no secret: unsigned is allowed) and a helper to send it unique sales. */
  async function tenant() {
    const admin = gateway.url('admin-api');
    const t = await call('POST', `${admin}/v1/tenants`, { key: gateway.operatorKey, body: { name: 'fan-out test' } });
    const key: string = (
      await call('POST', `${admin}/v1/tenants/${t.body.id}/api-keys`, { key: gateway.operatorKey, body: { name: 'k' } })
    ).body.key;
    const source = await call('POST', `${admin}/v1/sources`, { key, body: { provider: 'kaynko', name: 'Shop' } });
    const api = (method: string, path: string, body?: unknown) => call(method, `${admin}${path}`, { key, body });
    const endpoint = async (body: Record<string, unknown>) => {
      const res = await api('POST', '/v1/endpoints', { eventTypes: ['kaynko.sale.completed'], ...body });
      expect(res.status).toBe(201);
      return res.body as { id: string; secret: string };
    };
    const send = async (
      event: 'sale.completed' | 'ping' = 'sale.completed',
      saleId = randomInt(1, 1e9),
      data: Record<string, unknown> = {},
    ) => {
      const example =
        event === 'ping'
          ? { event: 'ping', data: { n: saleId } }
          : {
              ...KAYNKO_EXAMPLES['sale.completed'],
              data: { ...KAYNKO_EXAMPLES['sale.completed'].data, saleId, ...data },
            };
      const body = JSON.stringify(example);
      const res = await call('POST', source.body.ingestUrl, {
        rawBody: body,
        headers: { 'content-type': 'application/json', 'x-kaynko-event': event },
      });
      expect(res.status).toBe(202);
      return { id: res.body.id as string, body };
    };
    const delivery = async (endpointId: string, predicate: (d: any) => boolean, timeoutMs = 15_000) =>
      eventually(async () => {
        const list = await api('GET', `/v1/deliveries?endpointId=${endpointId}`);
        const found = list.body.data?.[0];
        if (!found || !predicate(found)) return null;
        return (await api('GET', `/v1/deliveries/${found.id}`)).body;
      }, timeoutMs);
    return { key, api, endpoint, send, delivery };
  }

  it('retries 500s on the schedule with the same webhook-id, then succeeds, logging every attempt', async () => {
    const t = await tenant();
    const r = await receiver();
    let calls = 0;
    r.behaviour = (_, res) => void res.writeHead(++calls <= 2 ? 500 : 200).end(calls <= 2 ? 'boom' : 'ok');
    const ep = await t.endpoint({ url: r.url() });
    const { id } = await t.send();
    const d = await t.delivery(ep.id, (x) => x.status === 'succeeded');
    expect(d.attempts.map((a: any) => a.statusCode)).toEqual([500, 500, 200]);
    expect(d.attempts[0]).toMatchObject({ number: 1, errorClass: 'http_status', responseBody: 'boom' });
    expect(new Set(r.requests.map((q) => q.headers['webhook-id']))).toEqual(new Set([id]));
    const gaps = r.requests.slice(1).map((q, i) => q.at - r.requests[i]!.at);
    expect(gaps[0]).toBeGreaterThanOrEqual(300 * 0.8 - 50);
    expect(gaps[1]).toBeGreaterThanOrEqual(600 * 0.8 - 50);
    const metrics = (await call('GET', gateway.metricsUrl('fanout'))).body as string;
    expect(metrics).toMatch(
      /fanout_attempts_total\{[^}]*outcome="retrying"[^}]*error_class="http_status"[^}]*\} [1-9]/,
    );
    expect(metrics).toContain('fanout_circuit_breakers{');
  });

  it("retries on the endpoint's own retrySchedule instead of the deployment's, and says which is in force", async () => {
    const t = await tenant();
    const r = await receiver();
    r.behaviour = (_, res) => void res.writeHead(500).end('down');
    const ep = await t.endpoint({ url: r.url(), retrySchedule: ['1s'] });
    expect(ep).toMatchObject({ retrySchedule: ['1s'], retryScheduleInForce: ['1s'] });
    const { id } = await t.send();
    // One retry, then it fails: the deployment's schedule (RETRY_SCHEDULE) would have made five attempts.
    const d = await t.delivery(ep.id, (x) => x.status === 'failed');
    expect(d).toMatchObject({ eventId: id, attemptCount: 2, retrySchedule: ['1s'] });
    const [first, second] = d.attempts.map((a: { startedAt: string }) => Date.parse(a.startedAt));
    expect(second - first).toBeGreaterThanOrEqual(800); // 1 s, -20 % jitter at most
    expect(r.requests).toHaveLength(2);

    // Back to the deployment's schedule: null removes the endpoint's own.
    const back = await t.api('PATCH', `/v1/endpoints/${ep.id}`, { retrySchedule: null });
    expect(back.body).toMatchObject({ retrySchedule: null, retryScheduleInForce: RETRY_SCHEDULE.split(',') });
    const again = await t.send();
    const d2 = await t.delivery(ep.id, (x) => x.eventId === again.id && x.status === 'failed', 20_000);
    expect(d2).toMatchObject({
      attemptCount: RETRY_SCHEDULE.split(',').length + 1,
      retrySchedule: RETRY_SCHEDULE.split(','),
    });
  });

  it('honours Retry-After on 429', async () => {
    const t = await tenant();
    const r = await receiver();
    r.behaviour = (_, res) =>
      void (r.requests.length === 1 ? res.writeHead(429, { 'retry-after': '2' }).end() : res.writeHead(204).end());
    const ep = await t.endpoint({ url: r.url() });
    await t.send();
    await t.delivery(ep.id, (x) => x.status === 'succeeded');
    expect(r.requests[1]!.at - r.requests[0]!.at).toBeGreaterThanOrEqual(1900);
  });

  it('treats a redirect as a failure and never follows it', async () => {
    const t = await tenant();
    const r = await receiver();
    const target = await receiver();
    r.behaviour = (_, res) => void res.writeHead(302, { location: target.url('/elsewhere') }).end();
    const ep = await t.endpoint({ url: r.url() });
    await t.send();
    const d = await t.delivery(ep.id, (x) => x.attemptCount >= 2);
    expect(d.attempts[0]).toMatchObject({ statusCode: 302, errorClass: 'http_status' });
    expect(target.requests).toHaveLength(0);
  });

  it('records timeouts, connection resets and truncated huge bodies, while a healthy endpoint is not slowed', async () => {
    const t = await tenant();
    const silent = await receiver();
    silent.behaviour = () => undefined; // never answers
    const reset = await receiver();
    reset.behaviour = (_, res) => void res.socket?.destroy();
    const huge = await receiver();
    huge.behaviour = (_, res) => void res.writeHead(200).end('x'.repeat(2 * 1024 * 1024));
    const healthy = await receiver();
    const [epSilent, epReset, epHuge] = [
      await t.endpoint({ url: silent.url(), timeoutMs: 500 }),
      await t.endpoint({ url: reset.url() }),
      await t.endpoint({ url: huge.url() }),
    ];
    await t.endpoint({ url: healthy.url() });
    const sentAt = Date.now();
    await t.send();
    await healthy.waitFor(1, 5000);
    expect(healthy.requests[0]!.at - sentAt).toBeLessThan(400); // not held up by the 500 ms timeout next door

    expect((await t.delivery(epSilent.id, (x) => x.attemptCount >= 1)).attempts[0]).toMatchObject({
      errorClass: 'timeout',
      statusCode: null,
    });
    expect((await t.delivery(epReset.id, (x) => x.attemptCount >= 1)).attempts[0]).toMatchObject({
      errorClass: 'connection_reset',
    });
    const big = (await t.delivery(epHuge.id, (x) => x.status === 'succeeded')).attempts[0];
    expect(big.statusCode).toBe(200);
    expect(big.responseBody).toHaveLength(1024);
  });

  it('disables an endpoint that answers 410 and tells the tenant with gateway.endpoint.disabled', async () => {
    const t = await tenant();
    const gone = await receiver();
    gone.behaviour = (_, res) => void res.writeHead(410).end();
    const ops = await receiver();
    const ep = await t.endpoint({ url: gone.url() });
    await t.endpoint({ url: ops.url(), eventTypes: ['gateway.endpoint.disabled'] });
    await t.send();
    const d = await t.delivery(ep.id, (x) => x.status === 'failed');
    expect(d.attemptCount).toBe(1);
    const endpoint = (await t.api('GET', `/v1/endpoints/${ep.id}`)).body;
    expect(endpoint).toMatchObject({ enabled: false, disabledReason: expect.stringContaining('410') });
    const [notice] = await ops.waitFor(1);
    expect(JSON.parse(notice!.body.toString())).toMatchObject({
      type: 'gateway.endpoint.disabled',
      data: { endpointId: ep.id, reason: expect.stringContaining('410') },
    });
  });

  it("tells the tenant's endpoints when one starts failing, gives up on a delivery and recovers, never that one itself", async () => {
    const t = await tenant();
    const flaky = await receiver();
    const ops = await receiver();
    const failingSale = 4040;
    flaky.behaviour = (req, res) => {
      const failing = JSON.parse(req.body.toString()).data?.saleId === failingSale;
      void res.writeHead(failing ? 500 : 200).end(failing ? 'down' : 'ok');
    };
    // The flaky endpoint subscribes to the operational events too: none about itself may reach it.
    const ep = await t.endpoint({
      url: flaky.url(),
      eventTypes: ['kaynko.sale.completed', 'gateway.*'],
      retrySchedule: ['1s'],
    });
    await t.endpoint({ url: ops.url(), eventTypes: ['gateway.*'] });
    const sale = await t.send('sale.completed', failingSale);
    // By type: the failing notice follows the outcome's write, the exhausted one the last attempt.
    const notices = async (n: number) => {
      const got = (await ops.waitFor(n, 20_000)).map((q) => JSON.parse(q.body.toString()) as CanonicalEventV1);
      return (type: string) => got.find((e) => e.type === `gateway.${type}`);
    };
    const first = await notices(2);
    const [failing, exhausted] = [first('endpoint.failing'), first('delivery.exhausted')];
    const delivery = await t.delivery(ep.id, (d) => d.status === 'failed');
    expect(failing).toMatchObject({
      type: 'gateway.endpoint.failing',
      data: { endpointId: ep.id, url: flaky.url(), statusCode: 500, errorClass: 'http_status' },
    });
    expect(Date.parse(failing!.data['failingSince'] as string)).toBe(Date.parse(delivery.attempts[0].startedAt));
    expect(exhausted).toMatchObject({
      type: 'gateway.delivery.exhausted',
      data: {
        deliveryId: delivery.id,
        eventId: sale.id,
        eventType: 'kaynko.sale.completed',
        endpointId: ep.id,
        attempts: 2,
        statusCode: 500,
        errorClass: 'http_status',
      },
    });

    await t.send('sale.completed', failingSale + 1);
    const recovered = (await notices(3))('endpoint.recovered');
    expect(recovered).toMatchObject({
      type: 'gateway.endpoint.recovered',
      data: { endpointId: ep.id, failingSince: failing!.data['failingSince'] },
    });
    // Each payload is what the catalog's JSON Schema for its type says.
    const ajv = new Ajv2020({ strict: false });
    for (const notice of [failing, exhausted, recovered]) {
      const schema = describeEventTypes().find((d) => d.type === notice!.type)!.schema;
      expect(ajv.validate(schema, notice!.data) ? [] : ajv.errors).toEqual([]);
    }
    // The flaky endpoint got its three sale attempts and nothing about itself.
    expect(flaky.requests.map((q) => JSON.parse(q.body.toString()).type)).toEqual(
      Array(3).fill('kaynko.sale.completed'),
    );
    // Its Test follows the same rule.
    const test = await t.api('POST', `/v1/endpoints/${ep.id}/test`, {
      type: 'gateway.endpoint.recovered',
      data: recovered!.data,
    });
    expect(test.body).toMatchObject({
      filteredOut: true,
      error: { message: expect.stringContaining('never delivered') },
    });
    expect(flaky.requests).toHaveLength(3);
  });

  it('gives up after the last retry, marks the delivery failed and dead-letters it with the reason', async () => {
    const t = await tenant();
    const r = await receiver();
    r.behaviour = (_, res) => void res.writeHead(503).end();
    const ep = await t.endpoint({ url: r.url() });
    const { id } = await t.send();
    const d = await t.delivery(ep.id, (x) => x.status === 'failed', 20_000);
    expect(d.attemptCount).toBe(RETRY_SCHEDULE.split(',').length + 1);

    const kafka = new Kafka({ brokers: testInfra().kafkaBrokers.split(','), logLevel: logLevel.NOTHING });
    const consumer = kafka.consumer({ groupId: `dlq-check-${Date.now()}` });
    await consumer.connect();
    await consumer.subscribe({ topic: 'gateway.dead-letter.v1', fromBeginning: true });
    const letter = await new Promise<any>((resolve) => {
      void consumer.run({
        eachMessage: async ({ message }) => {
          const value = JSON.parse(message.value!.toString());
          if (value.deliveryId === d.id) resolve(value);
          return Promise.resolve();
        },
      });
    });
    await consumer.disconnect();
    expect(letter).toMatchObject({
      schema: 'dead-letter.v1',
      origin: 'fanout',
      eventId: id,
      endpointId: ep.id,
      reason: expect.stringContaining('gave up after 5 attempts'),
    });
  });

  it('delivers the same body only once, and a ping only to endpoints that name kaynko.ping', async () => {
    const t = await tenant();
    const all = await receiver();
    const pings = await receiver();
    await t.endpoint({ url: all.url(), eventTypes: ['*'] });
    await t.endpoint({ url: pings.url(), eventTypes: ['kaynko.ping'] });
    const first = await t.send('sale.completed', 7);
    const again = await t.send('sale.completed', 7);
    expect(again.id).toBe(first.id);
    await t.send('ping');
    await pings.waitFor(1);
    await all.waitFor(1);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(all.requests.map((q) => JSON.parse(q.body.toString()).type)).toEqual(['kaynko.sale.completed']);
    expect(pings.requests.map((q) => JSON.parse(q.body.toString()).type)).toEqual(['kaynko.ping']);
  });

  it('delivers only the events its filter matches, live and replayed; Test says when a sample is filtered out', async () => {
    const t = await tenant();
    const loyalty = await receiver();
    const control = await receiver();
    // The example: card or mobile-money sales of 100 or more.
    const filter = { 'data.total': { $gte: 100 }, 'data.paymentMethod': { $in: ['card', 'mobile_money'] } };
    const ep = await t.endpoint({ url: loyalty.url(), filter });
    await t.endpoint({ url: control.url() });
    const sales = [
      { total: 250, paymentMethod: 'card', wanted: true },
      { total: 99.99, paymentMethod: 'card', wanted: false },
      { total: 250, paymentMethod: 'cash', wanted: false },
      { total: 1000, paymentMethod: 'credit', wanted: false },
      { total: 100, paymentMethod: 'mobile_money', wanted: true },
    ];
    const sent = [];
    for (const [i, { total, paymentMethod }] of sales.entries()) {
      sent.push((await t.send('sale.completed', 9000 + i, { total, paymentMethod })).id);
    }
    const wanted = sent.filter((_, i) => sales[i]!.wanted);
    const ids = (r: Receiver) => r.requests.map((q) => q.headers['webhook-id']).sort();
    // Every event was matched (the control endpoint has them all) when the filtered endpoint has its two.
    await control.waitFor(sales.length);
    await loyalty.waitFor(wanted.length);
    expect(ids(control)).toEqual([...sent].sort());
    expect(ids(loyalty)).toEqual([...wanted].sort());
    expect((await t.api('GET', `/v1/endpoints/${ep.id}`)).body.filter).toEqual(filter);

    // A replay of the window honours the filter too: the same two again, nothing else.
    const replay = await t.api('POST', `/v1/endpoints/${ep.id}/replay`, {
      since: new Date(Date.now() - 600_000).toISOString(),
    });
    expect(replay.status).toBe(202);
    await loyalty.waitFor(2 * wanted.length);
    const done = await eventually(async () => {
      const r = (await t.api('GET', `/v1/replays/${replay.body.id}`)).body;
      return r.status === 'completed' ? r : null;
    }, 20_000);
    expect(done).toMatchObject({ total: sales.length, scheduled: wanted.length, succeeded: wanted.length });
    expect(ids(loyalty)).toEqual([...wanted, ...wanted].sort());

    // Test: the default ping does not match, so it is not sent; a matching sample is.
    const ping = await t.api('POST', `/v1/endpoints/${ep.id}/test`, {});
    expect(ping.body).toMatchObject({ filteredOut: true, succeeded: false, error: { class: 'filtered_out' } });
    expect(ping.body.error.message).toContain('filter');
    const other = await t.api('POST', `/v1/endpoints/${ep.id}/test`, { type: 'kaynko.sale.voided' });
    expect(other.body).toMatchObject({ filteredOut: true, error: { message: expect.stringContaining('subscribe') } });
    const unknown = await t.api('POST', `/v1/endpoints/${ep.id}/test`, { type: 'kaynko.sale.nope' });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.details).toEqual([
      { field: 'type', reason: expect.stringContaining('unknown event type') },
    ]);
    expect(loyalty.requests).toHaveLength(2 * wanted.length);
    const sample = await t.api('POST', `/v1/endpoints/${ep.id}/test`, {
      type: 'kaynko.sale.completed',
      data: { saleId: 1, total: 500, paymentMethod: 'card' },
    });
    expect(sample.body).toMatchObject({ filteredOut: false, succeeded: true, statusCode: 200 });
    const [tested] = (await loyalty.waitFor(2 * wanted.length + 1)).slice(-1);
    expect(JSON.parse(tested!.body.toString())).toMatchObject({ type: 'kaynko.sale.completed', data: { total: 500 } });

    // Removing the filter applies to the very next event.
    expect((await t.api('PATCH', `/v1/endpoints/${ep.id}`, { filter: null })).body.filter).toBeNull();
    const cash = await t.send('sale.completed', 9100, { total: 1, paymentMethod: 'cash' });
    const [last] = (await loyalty.waitFor(2 * wanted.length + 2)).slice(-1);
    expect(last!.headers['webhook-id']).toBe(cash.id);
  });

  it('signs kaynko-format deliveries so the seed Node snippet verifies them, with the merchant secret as UTF-8', async () => {
    const t = await tenant();
    const r = await receiver();
    const secret = 'merchant-own-secret ✓';
    await t.endpoint({ url: r.url(), format: 'kaynko', secret });
    const sent = await t.send();
    const [q] = await r.waitFor(1);
    // The event id, as Standard Webhooks' webhook-id: the receiver de-duplicates retries and replays on it.
    expect(q!.headers['x-gateway-event-id']).toBe(sent.id);
    const expected = 'sha256=' + createHmac('sha256', secret).update(q!.body).digest('hex');
    expect(timingSafeEqual(Buffer.from(expected), Buffer.from(q!.headers['x-kaynko-signature']!))).toBe(true);
    expect(q!.headers['x-kaynko-event']).toBe('sale.completed');
    expect(JSON.parse(q!.body.toString())).toMatchObject({
      event: 'sale.completed',
      timestamp: '2026-06-11T14:30:00.000Z',
    });
  });

  it('after a secret rotation signs with the new and the previous secret', async () => {
    const t = await tenant();
    const r = await receiver();
    const ep = await t.endpoint({ url: r.url() });
    const rotated = await t.api('POST', `/v1/endpoints/${ep.id}/rotate-secret`);
    expect(rotated.body.secret).toMatch(/^whsec_/);
    await t.send();
    const [q] = await r.waitFor(1);
    expect(q!.headers['webhook-signature']!.split(' ')).toHaveLength(2);
    for (const secret of [ep.secret, rotated.body.secret as string]) {
      expect(() => new Webhook(secret).verify(q!.body.toString(), q!.headers)).not.toThrow();
    }
  });

  it('dead-letters a poison record written straight to the events topic, and keeps consuming', async () => {
    const t = await tenant();
    const r = await receiver();
    await t.endpoint({ url: r.url() });
    const kafka = new Kafka({ brokers: testInfra().kafkaBrokers.split(','), logLevel: logLevel.NOTHING });
    const producer = kafka.producer();
    await producer.connect();
    const poisonKey = `poison-${Date.now()}`;
    await producer.send({
      topic: 'gateway.events.v1',
      messages: [
        { key: poisonKey, value: '{"not json' },
        { key: poisonKey, value: JSON.stringify({ schema: 'canonical-event.v1', id: 'nope' }) },
      ],
    });
    await producer.disconnect();
    await t.send(); // a good event after the poison ones still arrives
    await r.waitFor(1);

    const consumer = kafka.consumer({ groupId: `poison-check-${Date.now()}` });
    await consumer.connect();
    await consumer.subscribe({ topic: 'gateway.dead-letter.v1', fromBeginning: true });
    const reasons: string[] = [];
    await new Promise<void>((resolve) => {
      void consumer.run({
        eachMessage: async ({ message }) => {
          const letter = JSON.parse(message.value!.toString());
          if (letter.source && (letter.payload === '{"not json' || String(letter.payload).includes('"id":"nope"')))
            reasons.push(letter.reason);
          if (reasons.length === 2) resolve();
          return Promise.resolve();
        },
      });
    });
    await consumer.disconnect();
    expect(reasons).toEqual(
      expect.arrayContaining(['not valid JSON', expect.stringContaining('not a canonical-event.v1')]),
    );
  });

  it('spaces deliveries to an endpoint with rateLimitPerSecond', async () => {
    const t = await tenant();
    const r = await receiver();
    await t.endpoint({ url: r.url(), rateLimitPerSecond: 2 });
    for (let i = 0; i < 6; i++) await t.send();
    const got = await r.waitFor(6, 15_000);
    // 2/s with a burst of 2: six deliveries need at least two seconds.
    expect(got[5]!.at - got[0]!.at).toBeGreaterThanOrEqual(1500);
  });

  it('disables an endpoint whose every attempt has failed for 5 days', async () => {
    const t = await tenant();
    const r = await receiver();
    r.behaviour = (_, res) => void res.writeHead(500).end();
    const ep = await t.endpoint({ url: r.url() });
    const db = new Client({ connectionString: testInfra().databaseUrl });
    await db.connect();
    try {
      await db.query(`UPDATE endpoints SET failing_since = now() - interval '121 hours' WHERE id = $1`, [ep.id]);
    } finally {
      await db.end();
    }
    await t.send();
    const disabled = await eventually(async () => {
      const endpoint = (await t.api('GET', `/v1/endpoints/${ep.id}`)).body;
      return endpoint.enabled === false ? endpoint : null;
    }, 15_000);
    expect(disabled.disabledReason).toContain('120 hours');
  });

  it('keeps a delivery waiting for its retry across a fan-out crash, and completes it as scheduled', async () => {
    const t = await tenant();
    const r = await receiver();
    r.behaviour = (_, res) => void res.writeHead(r.requests.length === 1 ? 500 : 200).end();
    const ep = await t.endpoint({ url: r.url() });
    await t.send();
    await r.waitFor(1);
    const waiting = await t.delivery(ep.id, (x) => x.status === 'retrying');
    await gateway.kill('fanout');
    await gateway.restart('fanout');
    const done = await t.delivery(ep.id, (x) => x.status === 'succeeded', 20_000);
    expect(done.attemptCount).toBe(2);
    expect(r.requests[1]!.at).toBeGreaterThanOrEqual(new Date(waiting.nextAttemptAt).getTime() - 50);
  });

  it("writes a first attempt's row with its outcome, and a fan-out crash before that consumes the event again", async () => {
    const t = await tenant();
    const r = await receiver();
    // The first request is never answered (fan-out dies holding it); later ones are.
    r.behaviour = (_, res) => void (r.requests.length > 1 && res.writeHead(200).end());
    const ep = await t.endpoint({ url: r.url(), timeoutMs: 20_000 });
    await t.send();
    await r.waitFor(1);
    const db = new Client({ connectionString: testInfra().databaseUrl });
    await db.connect();
    try {
      // In flight for less than FANOUT_SAVE_AFTER_MS: no row yet, and the event's offset is not committed.
      const before = await db.query('SELECT id FROM deliveries WHERE endpoint_id = $1', [ep.id]);
      expect(before.rows).toEqual([]);
      await gateway.kill('fanout');
      await gateway.restart('fanout');
      const done = await t.delivery(ep.id, (x) => x.status === 'succeeded', 40_000);
      // The event was consumed again and delivered once more (same webhook-id); the row holds the attempt that ended.
      expect(r.requests).toHaveLength(2);
      expect(r.requests[1]!.headers['webhook-id']).toBe(r.requests[0]!.headers['webhook-id']);
      expect(done.attemptCount).toBe(1);
      const rows = await db.query('SELECT id FROM deliveries WHERE endpoint_id = $1', [ep.id]);
      expect(rows.rows).toHaveLength(1);
    } finally {
      await db.end();
    }
  });

  it('writes a first attempt still in flight after FANOUT_SAVE_AFTER_MS as pending, then completes that row', async () => {
    const t = await tenant();
    const r = await receiver();
    let answer: () => void = () => undefined;
    r.behaviour = (_, res) => void (answer = () => res.writeHead(200).end());
    const ep = await t.endpoint({ url: r.url(), timeoutMs: 20_000 });
    await t.send();
    await r.waitFor(1);
    const pending = await t.delivery(ep.id, (x) => x.status === 'pending', 10_000);
    expect(pending.attemptCount).toBe(0);
    answer();
    const done = await t.delivery(ep.id, (x) => x.status === 'succeeded');
    expect(done.id).toBe(pending.id);
    expect(done.attemptCount).toBe(1);
    expect(r.requests).toHaveLength(1);
  });
});

describe('SSRF at delivery time (fan-out refuses what registration let through)', () => {
  jest.setTimeout(120_000);
  // admin-api lets 127.0.0.1 through (as local development does); fan-out is strict, as production is.
  const gateway = new GatewayProcesses(
    {},
    { fanout: { GATEWAY_ALLOWED_PRIVATE_CIDRS: '', GATEWAY_RETRY_SCHEDULE: '300ms' } },
  );
  let r: Receiver;

  beforeAll(async () => {
    r = await new Receiver().start();
    await gateway.start();
  });
  afterAll(async () => {
    await gateway.stop();
    await r.stop();
  });

  it('fails the attempt with refused_address and never connects', async () => {
    const admin = gateway.url('admin-api');
    const t = await call('POST', `${admin}/v1/tenants`, { key: gateway.operatorKey, body: { name: 'ssrf' } });
    const key: string = (
      await call('POST', `${admin}/v1/tenants/${t.body.id}/api-keys`, { key: gateway.operatorKey, body: { name: 'k' } })
    ).body.key;
    const source = (await call('POST', `${admin}/v1/sources`, { key, body: { provider: 'kaynko', name: 'S' } })).body;
    const ep = (
      await call('POST', `${admin}/v1/endpoints`, {
        key,
        body: { url: `http://localhost:${r.port}/hook`, eventTypes: ['*'] },
      })
    ).body;
    const body = JSON.stringify(KAYNKO_EXAMPLES['debt.settled']);
    await call('POST', source.ingestUrl, {
      rawBody: body,
      headers: { 'content-type': 'application/json', 'x-kaynko-event': 'debt.settled' },
    });
    const d = await eventually(async () => {
      const list = await call('GET', `${admin}/v1/deliveries?endpointId=${ep.id}`, { key });
      const found = list.body.data?.[0];
      return found?.status === 'failed'
        ? (await call('GET', `${admin}/v1/deliveries/${found.id}`, { key })).body
        : null;
    }, 15_000);
    expect(d.attempts[0]).toMatchObject({
      errorClass: 'refused_address',
      errorMessage: expect.stringContaining('loopback'),
    });
    expect(r.requests).toHaveLength(0);
  });
});
