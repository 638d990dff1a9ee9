import { lookup } from 'node:dns/promises';
import { hostname } from 'node:os';
import { FORBIDDEN_URLS } from '@gateway/security';
import { GatewayProcesses, KAYNKO_EXAMPLES, Receiver, call, eventually } from '@gateway/testing';

/** This machine's own name, which its hosts file resolves to a loopback address: a hostname that hides one. */
const HIDDEN_BEHIND_A_NAME = { url: `https://${hostname()}/hook`, reason: 'resolves to a loopback address' };

/**
 * Server-side request forgery, end to end: every URL of the guard's catalogue (private, loopback, link-local and
 * reserved addresses in every spelling, IPv4 inside IPv6) plus a hostname resolving to loopback is refused when an
 * endpoint is registered, and — for a registration that let them through (a permissive admin API, as local
 * development runs it) — when fan-out delivers, without ever connecting. A redirect to a private address is never
 * followed.
 */
describe('SSRF: refused at registration and at delivery (four processes, real Kafka and Postgres)', () => {
  jest.setTimeout(120_000);
  // admin-api lets every address through; fan-out is strict but for 127.0.0.2, where the redirecting receiver is.
  const gateway = new GatewayProcesses(
    { GATEWAY_ALLOWED_PRIVATE_CIDRS: '0.0.0.0/0,::/0', GATEWAY_ALLOW_HTTP_ENDPOINTS: 'true' },
    { fanout: { GATEWAY_ALLOWED_PRIVATE_CIDRS: '127.0.0.2/32', GATEWAY_RETRY_SCHEDULE: '300ms' } },
  );
  const redirector = new Receiver();
  let key: string;
  let ingestUrl: string;

  beforeAll(async () => {
    await Promise.all([gateway.start(), redirector.start(0, '127.0.0.2')]);
    redirector.behaviour = (_, res) =>
      void res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/' }).end();
    ({ key } = await gateway.tenantWithKey('SSRF'));
    const source = await call('POST', `${gateway.url('admin-api')}/v1/sources`, {
      key,
      body: { provider: 'kaynko', name: 'Shop' },
    });
    ingestUrl = source.body.ingestUrl;
  });
  afterAll(async () => {
    await gateway.stop();
    await redirector.stop();
  });

  it('the catalogue has at least 30 URLs, and the hostname case really resolves to loopback here', async () => {
    expect(FORBIDDEN_URLS.length).toBeGreaterThanOrEqual(30);
    expect((await lookup(hostname())).address).toMatch(/^127\.|^::1$/);
  });

  it('registration and delivery agree: what is accepted is reached, what would not be reached is refused', async () => {
    // As `npm start` runs: local receivers on 127.0.0.1 allowed.
    const local = await gateway.startExtra('admin-api', { GATEWAY_ALLOWED_PRIVATE_CIDRS: '127.0.0.1/32' });
    const receiver = await new Receiver().start();
    try {
      const port = new URL(receiver.url()).port;
      // IPv6 forms that embed 127.0.0.1 but connect elsewhere: refused, naming the address to use instead.
      for (const url of [`http://[::127.0.0.1]:${port}/hook`, `http://[64:ff9b::127.0.0.1]:${port}/hook`]) {
        const res = await call('POST', `${local.url}/v1/endpoints`, { key, body: { url, eventTypes: ['*'] } });
        expect({ url, status: res.status, details: res.body.error?.details }).toEqual({
          url,
          status: 400,
          details: [{ field: 'url', reason: expect.stringContaining('use 127.0.0.1') }],
        });
      }
      // localhost in capitals with a trailing dot: accepted, and the test message arrives.
      const created = await call('POST', `${local.url}/v1/endpoints`, {
        key,
        body: { url: `http://LOCALHOST.:${port}/hook`, eventTypes: ['kaynko.sale.voided'] },
      });
      expect(created.status).toBe(201);
      const test = await call('POST', `${local.url}/v1/endpoints/${created.body.id}/test`, { key });
      expect(test.body).toMatchObject({ succeeded: true, statusCode: 200 });
      expect(receiver.requests).toHaveLength(1);
      expect((await call('DELETE', `${local.url}/v1/endpoints/${created.body.id}`, { key })).status).toBe(204);
    } finally {
      await receiver.stop();
    }
  });

  it('a strict admin API refuses every one at registration, saying why', async () => {
    const strict = await gateway.startExtra('admin-api', {
      GATEWAY_ALLOWED_PRIVATE_CIDRS: '',
      GATEWAY_ALLOW_HTTP_ENDPOINTS: 'false',
    });
    for (const { url, reason } of [...FORBIDDEN_URLS, HIDDEN_BEHIND_A_NAME]) {
      const res = await call('POST', `${strict.url}/v1/endpoints`, { key, body: { url, eventTypes: ['*'] } });
      expect({ url, status: res.status, details: res.body.error?.details }).toEqual({
        url,
        status: 400,
        details: [{ field: 'url', reason: expect.stringContaining(reason) }],
      });
    }
    const list = await call('GET', `${strict.url}/v1/endpoints`, { key });
    expect(list.body.data).toEqual([]);
  });

  it('fan-out refuses every one at delivery, never connecting, and does not follow a redirect', async () => {
    const admin = gateway.url('admin-api');
    const endpoints = new Map<string, string>();
    for (const { url } of [...FORBIDDEN_URLS, HIDDEN_BEHIND_A_NAME]) {
      const res = await call('POST', `${admin}/v1/endpoints`, {
        key,
        body: { url, eventTypes: ['kaynko.debt.settled'] },
      });
      expect({ url, status: res.status }).toEqual({ url, status: 201 });
      endpoints.set(res.body.id, url);
    }
    const redirect = await call('POST', `${admin}/v1/endpoints`, {
      key,
      body: { url: redirector.url('/moved'), eventTypes: ['kaynko.debt.settled'] },
    });
    const body = JSON.stringify(KAYNKO_EXAMPLES['debt.settled']);
    const accepted = await call('POST', ingestUrl, {
      rawBody: body,
      headers: { 'content-type': 'application/json', 'x-kaynko-event': 'debt.settled' },
    });
    expect(accepted.status).toBe(202);

    const failed = await eventually(async () => {
      const list = await call('GET', `${admin}/v1/deliveries?eventId=${accepted.body.id}&limit=100`, { key });
      const done = (list.body.data as Array<{ status: string }>).filter((d) => d.status === 'failed');
      return done.length === endpoints.size + 1 ? (list.body.data as Array<{ id: string; endpointId: string }>) : null;
    }, 30_000);
    for (const delivery of failed) {
      const detail = (await call('GET', `${admin}/v1/deliveries/${delivery.id}`, { key })).body;
      const attempts = detail.attempts as Array<{ errorClass: string; errorMessage: string; statusCode: number }>;
      if (delivery.endpointId === redirect.body.id) {
        // Reached (127.0.0.2 is allowed), answered 302 to the metadata address: a failure, never followed.
        expect(attempts.every((a) => a.statusCode === 302 && a.errorClass === 'http_status')).toBe(true);
      } else {
        const url = endpoints.get(delivery.endpointId);
        expect({ url, classes: [...new Set(attempts.map((a) => a.errorClass))] }).toEqual({
          url,
          classes: ['refused_address'],
        });
      }
    }
    expect(redirector.requests.map((r) => r.path)).toEqual(redirector.requests.map(() => '/moved'));
    expect(redirector.requests.length).toBeGreaterThan(0);
  });
});
