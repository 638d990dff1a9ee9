import { createHmac } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { GatewayProcesses, KAYNKO_EXAMPLES, Receiver, call, eventually } from '@gateway/testing';

/**
 * The slice of issue #2, black-box: the four services as separate processes on the real Kafka broker and
 * PostgreSQL. Operator → tenant → key → source → endpoint → signed Kaynko sale → Standard Webhooks delivery →
 * delivery log.
 */
describe('walking skeleton (four processes, real Kafka and Postgres)', () => {
  jest.setTimeout(120_000);
  const gateway = new GatewayProcesses();
  const receiver = new Receiver();

  beforeAll(async () => {
    await Promise.all([gateway.start(), receiver.start()]);
  });

  afterAll(async () => {
    await gateway.stop();
    await receiver.stop();
  });

  it('delivers a signed Kaynko sale to a subscriber, signed per Standard Webhooks, and logs the delivery', async () => {
    const admin = gateway.url('admin-api');

    // 1. Operator creates a tenant and its first API key (shown once).
    const tenant = await call('POST', `${admin}/v1/tenants`, {
      key: gateway.operatorKey,
      body: { name: 'Mama Njeri Supermarket' },
    });
    expect(tenant.status).toBe(201);
    expect(tenant.body.id).toMatch(/^ten_/);
    const apiKey = await call('POST', `${admin}/v1/tenants/${tenant.body.id}/api-keys`, {
      key: gateway.operatorKey,
      body: { name: 'ops' },
    });
    expect(apiKey.status).toBe(201);
    expect(apiKey.body).toMatchObject({ id: expect.stringMatching(/^key_/), key: expect.stringMatching(/^gw_live_/) });
    const key: string = apiKey.body.key;
    const listed = await call('GET', `${admin}/v1/tenants/${tenant.body.id}/api-keys`, { key });
    expect(JSON.stringify(listed.body)).not.toContain(key);

    // 2. A Kaynko source with its HMAC secret; ingestUrl is what the merchant pastes into Kaynko.
    const kaynkoSecret = 'shop-1-secret-from-the-kaynko-app';
    const source = await call('POST', `${admin}/v1/sources`, {
      key,
      body: { provider: 'kaynko', name: 'Shop 1', secret: kaynkoSecret },
    });
    expect(source.status).toBe(201);
    expect(source.body.ingestUrl).toBe(`${gateway.url('ingest')}/v1/ingest/kaynko/${source.body.id}`);
    expect(JSON.stringify(source.body)).not.toContain(kaynkoSecret);

    // 3. A subscriber endpoint with a generated whsec_ secret.
    const endpoint = await call('POST', `${admin}/v1/endpoints`, {
      key,
      body: { url: receiver.url(), eventTypes: ['kaynko.sale.completed'] },
    });
    expect(endpoint.status).toBe(201);
    expect(endpoint.body.secret).toMatch(/^whsec_[A-Za-z0-9+/=]+$/);

    // 4. The seed's sale.completed, signed as Kaynko signs it.
    const body = JSON.stringify(KAYNKO_EXAMPLES['sale.completed']);
    const signature = 'sha256=' + createHmac('sha256', kaynkoSecret).update(body).digest('hex');
    const ingested = await call('POST', source.body.ingestUrl, {
      rawBody: body,
      headers: {
        'content-type': 'application/json',
        'x-kaynko-event': 'sale.completed',
        'x-kaynko-signature': signature,
      },
    });
    expect(ingested.status).toBe(202);
    expect(ingested.body).toEqual({ id: expect.stringMatching(/^evt_[0-9a-f]{32}$/) });

    // 5. The receiver gets it, verifiable with the standardwebhooks package.
    const [delivered] = await receiver.waitFor(1, 20_000);
    expect(delivered!.headers['webhook-id']).toBe(ingested.body.id);
    expect(Number(delivered!.headers['webhook-timestamp'])).toBeGreaterThan(Date.now() / 1000 - 60);
    expect(delivered!.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/=]+$/);
    // Tracing is off unless OTEL_* variables turn it on: no trace context leaks to subscribers by default.
    expect(delivered!.headers['traceparent']).toBeUndefined();
    const payload = new Webhook(endpoint.body.secret).verify(delivered!.body.toString(), delivered!.headers);
    expect(payload).toEqual({
      type: 'kaynko.sale.completed',
      timestamp: '2026-06-11T14:30:00.000Z',
      data: KAYNKO_EXAMPLES['sale.completed'].data,
    });

    // 6. The delivery log says it succeeded.
    const deliveries = await eventually(async () => {
      const res = await call('GET', `${admin}/v1/deliveries?endpointId=${endpoint.body.id}`, { key });
      return res.body.data?.[0]?.status === 'succeeded' ? res : null;
    });
    expect(deliveries.body).toEqual({
      data: [
        expect.objectContaining({
          id: expect.stringMatching(/^dlv_/),
          status: 'succeeded',
          eventId: ingested.body.id,
          attemptCount: 1,
        }),
      ],
      nextCursor: null,
    });
  });
});
