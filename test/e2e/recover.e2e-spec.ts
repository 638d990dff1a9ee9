import { GatewayProcesses, KAYNKO_EXAMPLES, Receiver, call, eventually } from '@gateway/testing';

/**
 * After a receiver's outage, `POST /v1/endpoints/{id}/recover` attempts again exactly the deliveries that finally
 * failed since an instant — not the ones that succeeded, not another endpoint's (four processes, real Kafka and
 * Postgres).
 */
describe('recovering an endpoint after an outage', () => {
  jest.setTimeout(120_000);
  const gateway = new GatewayProcesses({ GATEWAY_RETRY_SCHEDULE: '200ms', FANOUT_POLL_INTERVAL_MS: '100' });
  const receiver = new Receiver();
  beforeAll(() => Promise.all([gateway.start(), receiver.start()]));
  afterAll(async () => {
    await gateway.stop();
    await receiver.stop();
  });

  it('re-attempts only the finally failed deliveries since the instant, and reports progress to completion', async () => {
    const admin = gateway.url('admin-api');
    const { key } = await gateway.tenantWithKey('Outage');
    const api = (method: string, path: string, body?: unknown) => call(method, `${admin}${path}`, { key, body });
    const source = (await api('POST', '/v1/sources', { provider: 'kaynko', name: 'Shop' })).body;
    const down = (await api('POST', '/v1/endpoints', { url: receiver.url('/down'), eventTypes: ['kaynko.*'] })).body;
    const up = (await api('POST', '/v1/endpoints', { url: receiver.url('/up'), eventTypes: ['kaynko.*'] })).body;
    let outage = true;
    receiver.behaviour = (req, res) => void res.writeHead(outage && req.path === '/down' ? 503 : 200).end();
    const since = new Date(Date.now() - 1000).toISOString();
    const send = async (saleId: number) => {
      const body = {
        ...KAYNKO_EXAMPLES['sale.completed'],
        data: { ...KAYNKO_EXAMPLES['sale.completed'].data, saleId },
      };
      const res = await call('POST', source.ingestUrl, {
        rawBody: JSON.stringify(body),
        headers: { 'content-type': 'application/json', 'x-kaynko-event': 'sale.completed' },
      });
      expect(res.status).toBe(202);
      return res.body.id as string;
    };
    const events = [await send(1), await send(2), await send(3)];
    // The outage outlasts the retry schedule: every delivery to `down` fails for good, every one to `up` succeeds.
    const failed = await eventually(async () => {
      const list = (await api('GET', `/v1/deliveries?endpointId=${down.id}&status=failed`)).body.data;
      return list.length === 3 ? list : null;
    }, 20_000);
    expect((await api('GET', `/v1/deliveries?endpointId=${up.id}&status=succeeded`)).body.data).toHaveLength(3);
    const before = receiver.requests.length;

    outage = false;
    const recovery = await api('POST', `/v1/endpoints/${down.id}/recover`, { since });
    expect(recovery.status).toBe(202);
    expect(recovery.body).toMatchObject({ endpointId: down.id, total: 3, status: 'delivering', progress: 0 });
    const done = await eventually(async () => {
      const r = (await api('GET', `/v1/recoveries/${recovery.body.id}`)).body;
      return r.status === 'completed' ? r : null;
    }, 20_000);
    expect(done).toMatchObject({ total: 3, succeeded: 3, failed: 0, progress: 1 });
    // The same deliveries, now succeeded; nothing sent again to the endpoint that had them all.
    const after = (await api('GET', `/v1/deliveries?endpointId=${down.id}`)).body.data;
    expect(after.map((d: { id: string; status: string }) => [d.id, d.status]).sort()).toEqual(
      failed.map((d: { id: string }) => [d.id, 'succeeded']).sort(),
    );
    const resent = receiver.requests.slice(before);
    expect(resent.map((r) => r.path)).toEqual(['/down', '/down', '/down']);
    expect(resent.map((r) => r.headers['webhook-id']).sort()).toEqual([...events].sort());

    // Nothing left to recover: a second recovery is empty and complete at once.
    const again = await api('POST', `/v1/endpoints/${down.id}/recover`, { since });
    expect(again.body).toMatchObject({ total: 0, status: 'completed', progress: 1 });
    const future = await api('POST', `/v1/endpoints/${down.id}/recover`, {
      since: new Date(Date.now() + 3_600_000).toISOString(),
    });
    expect([future.status, future.body.error.details[0].field]).toEqual([400, 'since']);
  });
});
