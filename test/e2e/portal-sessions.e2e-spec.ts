import { Client } from 'pg';
import {
  GatewayProcesses,
  KAYNKO_EXAMPLES,
  Receiver,
  call,
  eventually,
  rememberSecret,
  testInfra,
} from '@gateway/testing';

type Operation = { method: string; path: string; route: string; description: string };
type Ids = { endpoint: string; delivery: string; event: string; replay: string; recovery: string };

/** What a portal session may reach (the contract): its endpoints, their deliveries, events and replays. */
const READS = [
  'GET /v1/endpoints',
  'GET /v1/endpoints/{id}',
  'GET /v1/endpoints/{id}/stats',
  'GET /v1/deliveries',
  'GET /v1/deliveries/{id}',
  'GET /v1/events',
  'GET /v1/events/export.csv',
  'GET /v1/events/{id}',
  'GET /v1/replays/{id}',
  'GET /v1/recoveries/{id}',
  'GET /v1/event-types',
  'GET /v1/tenant',
  'GET /v1/portal-sessions/current',
];
/** …and may change, unless read-only (the signing secret counts: it is a write-scoped route). */
const WRITES = [
  'POST /v1/endpoints',
  'PATCH /v1/endpoints/{id}',
  'DELETE /v1/endpoints/{id}',
  'POST /v1/endpoints/{id}/test',
  'GET /v1/endpoints/{id}/secret',
  'POST /v1/endpoints/{id}/rotate-secret',
  'POST /v1/endpoints/{id}/replay',
  'POST /v1/endpoints/{id}/recover',
  'POST /v1/deliveries/{id}/retry',
];

/**
 * Portal links as a partner and a merchant use them, and the authorization matrix: every route of the OpenAPI
 * document × {a portal session of another tenant, a session limited to another endpoint, a read-only session
 * writing, an expired session, a revoked session}, each refused in the one way that tells nothing, changing nothing.
 */
describe('portal sessions (four processes, real Kafka and Postgres)', () => {
  jest.setTimeout(180_000);
  const gateway = new GatewayProcesses({ ADMIN_API_RATE_LIMIT_PER_KEY: '1000' });
  const receiver = new Receiver();
  let admin: string;
  let operations: Operation[];
  let keyA: string;
  let keyB: string;
  let tenantA: string;
  let tenantB: string;
  /** Endpoint one (a session's listed one) with a delivery of the completed sale; endpoint two with the voided one's. */
  const one = {} as Ids;
  const two = {} as Ids;
  /** The completed sale's delivery to endpoint two (the event is delivered to both). */
  let completedToTwo: string;
  let endpointB: string;
  const db = new Client({ connectionString: testInfra().databaseUrl });

  const api = (key: string, method: string, path: string, body?: unknown) =>
    call(method, `${admin}${path}`, { key, body });

  /** Makes a portal link with `key` and opens it, as the console does: its id, link token and access token. */
  async function openSession(key: string, body: Record<string, unknown> = {}) {
    const made = await api(key, 'POST', '/v1/portal-sessions', body);
    expect(made.status).toBe(201);
    const token = (made.body.url as string).split('#/portal/')[1]!;
    rememberSecret(token);
    const exchanged = await call('POST', `${admin}/v1/portal-sessions/exchange`, { body: { token } });
    expect(exchanged.status).toBe(200);
    rememberSecret(exchanged.body.accessToken);
    return {
      id: made.body.id as string,
      url: made.body.url as string,
      token,
      access: exchanged.body.accessToken as string,
    };
  }

  beforeAll(async () => {
    await Promise.all([gateway.start(), receiver.start(), db.connect()]);
    admin = gateway.url('admin-api');
    ({ tenantId: tenantA, key: keyA } = await gateway.tenantWithKey('Bistro Praha'));
    ({ tenantId: tenantB, key: keyB } = await gateway.tenantWithKey('Other'));
    const source = (await api(keyA, 'POST', '/v1/sources', { provider: 'kaynko', name: 'Shop' })).body;
    one.endpoint = (
      await api(keyA, 'POST', '/v1/endpoints', { url: receiver.url('/one'), eventTypes: ['kaynko.sale.completed'] })
    ).body.id;
    two.endpoint = (
      await api(keyA, 'POST', '/v1/endpoints', { url: receiver.url('/two'), eventTypes: ['kaynko.*'] })
    ).body.id;
    endpointB = (await api(keyB, 'POST', '/v1/endpoints', { url: receiver.url('/b'), eventTypes: ['kaynko.*'] })).body
      .id;
    const send = async (event: 'sale.completed' | 'sale.voided') => {
      const res = await call('POST', source.ingestUrl, {
        rawBody: JSON.stringify(KAYNKO_EXAMPLES[event]),
        headers: { 'content-type': 'application/json', 'x-kaynko-event': event },
      });
      expect(res.status).toBe(202);
      return res.body.id as string;
    };
    one.event = await send('sale.completed');
    two.event = await send('sale.voided');
    const deliveries = await eventually(async () => {
      const page = (await api(keyA, 'GET', '/v1/deliveries?limit=10')).body.data as Array<Record<string, string>>;
      return page.length === 3 ? page : null;
    });
    const find = (eventId: string, endpointId: string) =>
      deliveries.find((d) => d.eventId === eventId && d.endpointId === endpointId)!.id!;
    one.delivery = find(one.event, one.endpoint);
    completedToTwo = find(one.event, two.endpoint);
    two.delivery = find(two.event, two.endpoint);
    // Replays that match nothing (they send nothing), one per endpoint.
    const replay = { since: new Date(Date.now() - 60_000).toISOString(), eventTypes: ['digitax.*'] };
    one.replay = (await api(keyA, 'POST', `/v1/endpoints/${one.endpoint}/replay`, replay)).body.id;
    two.replay = (await api(keyA, 'POST', `/v1/endpoints/${two.endpoint}/replay`, replay)).body.id;
    const recover = { since: replay.since };
    one.recovery = (await api(keyA, 'POST', `/v1/endpoints/${one.endpoint}/recover`, recover)).body.id;
    two.recovery = (await api(keyA, 'POST', `/v1/endpoints/${two.endpoint}/recover`, recover)).body.id;

    const spec = (await call('GET', `${admin}/docs-json`)).body;
    operations = Object.entries(
      spec.paths as Record<string, Record<string, { description?: string; security?: unknown[] }>>,
    ).flatMap(([path, methods]) =>
      Object.entries(methods)
        .filter(([, operation]) => operation.security?.length)
        .map(([method, operation]) => ({
          method: method.toUpperCase(),
          path,
          route: `${method.toUpperCase()} ${path}`,
          description: operation.description ?? '',
        })),
    );
  });

  afterAll(async () => {
    await db.end();
    await gateway.stop();
    await receiver.stop();
  });

  const allowed = (o: Operation) => READS.includes(o.route) || WRITES.includes(o.route);
  const closed = () => operations.filter((o) => !allowed(o));

  /** A concrete URL for an operation, with `ids` in its path (tenant A's for the routes a session cannot reach). */
  const urlOf = (o: Operation, ids: Ids) =>
    o.path
      .replace('{tenantId}', tenantA)
      .replace(/^\/v1\/tenants\/\{id\}/, `/v1/tenants/${tenantA}`)
      .replace(/^\/v1\/endpoints\/\{id\}/, `/v1/endpoints/${ids.endpoint}`)
      .replace(/^\/v1\/events\/\{id\}/, `/v1/events/${ids.event}`)
      .replace(/^\/v1\/deliveries\/\{id\}/, `/v1/deliveries/${ids.delivery}`)
      .replace(/^\/v1\/replays\/\{id\}/, `/v1/replays/${ids.replay}`)
      .replace(/^\/v1\/recoveries\/\{id\}/, `/v1/recoveries/${ids.recovery}`)
      .replace(/\{id\}/, 'unused_0000000000');

  /** A body the route would accept, so an answer is about who asks. */
  const bodyOf = (o: Operation) => {
    if (o.method === 'GET' || o.method === 'DELETE') return undefined;
    if (o.route === 'POST /v1/endpoints') return { url: receiver.url('/new'), eventTypes: ['kaynko.*'] };
    if (o.path.endsWith('/replay'))
      return { since: new Date(Date.now() - 60_000).toISOString(), eventTypes: ['digitax.*'] };
    if (o.path.endsWith('/recover')) return { since: new Date(Date.now() - 60_000).toISOString() };
    if (o.method === 'PATCH') return { description: 'changed by a portal session' };
    if (o.path.endsWith('/api-keys')) return { name: 'probe' };
    return {};
  };

  /** Calls every operation in `ops` with `access` and `ids`; the answers as `route → status`. */
  async function statuses(access: string, ops: Operation[], ids: Ids): Promise<Record<string, number>> {
    const answers: Record<string, number> = {};
    for (const o of ops) answers[o.route] = (await api(access, o.method, urlOf(o, ids), bodyOf(o))).status;
    return answers;
  }
  const all = (ops: Operation[], status: number) => Object.fromEntries(ops.map((o) => [o.route, status]));

  it('documents, on exactly the routes the contract opens, what a portal session may do there', () => {
    const documented = operations
      .filter((o) => /portal session's access token/.test(o.description))
      .map((o) => o.route);
    expect(documented.sort()).toEqual([...READS, ...WRITES].sort());
  });

  it('opens a link once: the token is in the fragment, and a used, expired, revoked or unknown one answers 401', async () => {
    const made = await api(keyA, 'POST', '/v1/portal-sessions', { readOnly: true, expiresInSeconds: 600 });
    expect(made.status).toBe(201);
    expect(made.body.url).toMatch(new RegExp(`^${admin}/console/#/portal/gw_link_[A-Za-z0-9_-]{43}$`));
    const lifetime = Date.parse(made.body.expiresAt) - Date.now();
    expect(lifetime).toBeGreaterThan(590_000);
    expect(lifetime).toBeLessThanOrEqual(600_000);
    const token = made.body.url.split('#/portal/')[1];
    rememberSecret(token);
    const exchange = (t: unknown) => call('POST', `${admin}/v1/portal-sessions/exchange`, { body: { token: t } });

    const first = await exchange(token);
    expect(first.status).toBe(200);
    expect(first.body).toEqual({ accessToken: expect.stringMatching(/^gw_portal_/), expiresAt: made.body.expiresAt });
    rememberSecret(first.body.accessToken);
    const again = await exchange(token);
    expect([again.status, again.body.error.code]).toEqual([401, 'unauthorized']);
    // The first exchange's access token is untouched by the refused second one.
    expect((await api(first.body.accessToken, 'GET', '/v1/portal-sessions/current')).body).toEqual({
      id: made.body.id,
      tenantId: tenantA,
      tenantName: 'Bistro Praha',
      endpointIds: null,
      readOnly: true,
      expiresAt: made.body.expiresAt,
    });

    const expiring = await api(keyA, 'POST', '/v1/portal-sessions', {});
    await db.query(`UPDATE portal_sessions SET expires_at = now() - interval '1 second' WHERE id = $1`, [
      expiring.body.id,
    ]);
    const revoked = await api(keyA, 'POST', '/v1/portal-sessions', {});
    expect((await api(keyA, 'DELETE', `/v1/portal-sessions/${revoked.body.id}`)).status).toBe(204);
    for (const refused of [
      expiring.body.url.split('#/portal/')[1],
      revoked.body.url.split('#/portal/')[1],
      'gw_link_unknown',
      'gw_portal_not-a-link',
    ])
      expect((await exchange(refused)).status).toBe(401);
    expect((await exchange(undefined)).status).toBe(400);
  });

  it('validates a new session, and lets only the operator or a portal:write key make and end one', async () => {
    const refused = async (key: string, body: unknown) => {
      const res = await api(key, 'POST', '/v1/portal-sessions', body);
      return [res.status, res.body.error?.code, res.body.error?.details?.map((d: { field: string }) => d.field)];
    };
    expect(await refused(keyA, { expiresInSeconds: 59 })).toEqual([400, 'validation_failed', ['expiresInSeconds']]);
    expect(await refused(keyA, { expiresInSeconds: 86_401 })).toEqual([400, 'validation_failed', ['expiresInSeconds']]);
    expect(await refused(keyA, { endpointIds: [] })).toEqual([400, 'validation_failed', ['endpointIds']]);
    expect(await refused(keyA, { endpointIds: [one.endpoint, endpointB] })).toEqual([
      400,
      'validation_failed',
      ['endpointIds[1]'],
    ]);
    expect(await refused(gateway.operatorKey, {})).toEqual([400, 'validation_failed', ['tenantId']]);
    expect(await refused(keyA, { tenantId: tenantB })).toEqual([403, 'forbidden', undefined]);
    const narrow = (
      await api(gateway.operatorKey, 'POST', `/v1/tenants/${tenantA}/api-keys`, { name: 'n', scopes: ['events:read'] })
    ).body.key;
    expect(await refused(narrow, {})).toEqual([403, 'forbidden', undefined]);

    const byOperator = await api(gateway.operatorKey, 'POST', '/v1/portal-sessions', { tenantId: tenantB });
    expect(byOperator.status).toBe(201);
    expect((await api(keyA, 'DELETE', `/v1/portal-sessions/${byOperator.body.id}`)).status).toBe(404);
    expect((await api(narrow, 'DELETE', `/v1/portal-sessions/${byOperator.body.id}`)).status).toBe(403);
    expect((await api(keyB, 'DELETE', `/v1/portal-sessions/${byOperator.body.id}`)).status).toBe(204);
    expect((await api(gateway.operatorKey, 'DELETE', '/v1/portal-sessions/pts_0000000000')).status).toBe(404);
  });

  it("matrix: a portal session of another tenant finds none of this tenant's resources, and reaches no other route", async () => {
    const other = await openSession(keyB);
    const withIds = operations.filter((o) => allowed(o) && o.path.includes('{'));
    expect(await statuses(other.access, withIds, one)).toEqual(all(withIds, 404));
    expect(await statuses(other.access, closed(), one)).toEqual(all(closed(), 403));
    // Its lists are its own tenant's: nothing of tenant A's in them.
    for (const route of READS.filter((r) => !r.includes('{'))) {
      const res = await api(other.access, 'GET', route.slice('GET '.length));
      expect([route, res.status]).toEqual([route, 200]);
      const text = typeof res.body === 'string' ? res.body : JSON.stringify(res.body);
      for (const id of [
        tenantA,
        one.endpoint,
        two.endpoint,
        one.event,
        two.event,
        one.delivery,
        two.delivery,
        one.recovery,
      ])
        expect([route, text.includes(id)]).toEqual([route, false]);
    }
  });

  it('matrix: a session limited to one endpoint finds nothing of another, and cannot create one', async () => {
    const limited = await openSession(keyA, { endpointIds: [one.endpoint] });
    const withIds = operations.filter((o) => allowed(o) && o.path.includes('{'));
    expect(await statuses(limited.access, withIds, two)).toEqual(all(withIds, 404));
    expect(await statuses(limited.access, closed(), one)).toEqual(all(closed(), 403));
    const create = await api(limited.access, 'POST', '/v1/endpoints', {
      url: receiver.url('/new'),
      eventTypes: ['*'],
    });
    expect([create.status, create.body.error.code]).toEqual([403, 'forbidden']);

    // What it lists is what its endpoint sees: the completed sale (not the voided one), and only its own delivery.
    const ids = (res: { body: { data: Array<{ id: string }> } }) => res.body.data.map((r) => r.id);
    expect(ids(await api(limited.access, 'GET', '/v1/endpoints'))).toEqual([one.endpoint]);
    expect(ids(await api(limited.access, 'GET', '/v1/deliveries'))).toEqual([one.delivery]);
    expect(ids(await api(limited.access, 'GET', `/v1/deliveries?endpointId=${two.endpoint}`))).toEqual([]);
    expect(ids(await api(limited.access, 'GET', '/v1/events'))).toEqual([one.event]);
    const csv = (await api(limited.access, 'GET', '/v1/events/export.csv')).body as string;
    expect([csv.includes(one.event), csv.includes(two.event)]).toEqual([true, false]);
    const detail = await api(limited.access, 'GET', `/v1/events/${one.event}`);
    expect(detail.body.deliveries.map((d: { id: string }) => d.id)).toEqual([one.delivery]);
    expect(JSON.stringify(detail.body)).not.toContain(completedToTwo);
    // The tenant's key still sees both endpoints' deliveries of that event.
    expect((await api(keyA, 'GET', `/v1/events/${one.event}`)).body.deliveries).toHaveLength(2);
  });

  it('matrix: a read-only session reads its endpoint and every write is refused, changing nothing', async () => {
    const readOnly = await openSession(keyA, { endpointIds: [one.endpoint], readOnly: true });
    const before = (await api(keyA, 'GET', `/v1/endpoints/${one.endpoint}`)).body;
    const deliveryBefore = (await api(keyA, 'GET', `/v1/deliveries/${one.delivery}`)).body;
    const writes = operations.filter((o) => WRITES.includes(o.route));
    const reads = operations.filter((o) => READS.includes(o.route));
    expect(writes).toHaveLength(WRITES.length);
    expect(reads).toHaveLength(READS.length);
    expect(await statuses(readOnly.access, writes, one)).toEqual(all(writes, 403));
    expect(await statuses(readOnly.access, reads, one)).toEqual(all(reads, 200));
    expect(await statuses(readOnly.access, closed(), one)).toEqual(all(closed(), 403));
    expect((await api(keyA, 'GET', `/v1/endpoints/${one.endpoint}`)).body).toEqual(before);
    expect((await api(keyA, 'GET', `/v1/deliveries/${one.delivery}`)).body).toEqual(deliveryBefore);
    expect((await api(keyA, 'GET', '/v1/endpoints')).body.data).toHaveLength(2);
  });

  it('matrix: an expired session and a revoked one are refused on every route, from the very next request', async () => {
    const expired = await openSession(keyA, { endpointIds: [one.endpoint] });
    const revoked = await openSession(keyA);
    expect((await api(revoked.access, 'GET', '/v1/endpoints')).status).toBe(200);
    await db.query(`UPDATE portal_sessions SET expires_at = now() - interval '1 second' WHERE id = $1`, [expired.id]);
    expect((await api(keyA, 'DELETE', `/v1/portal-sessions/${revoked.id}`)).status).toBe(204);
    for (const access of [expired.access, revoked.access]) {
      expect(await statuses(access, operations, one)).toEqual(all(operations, 401));
    }
    // Ending it again is not an error (the session is there, already ended).
    expect((await api(keyA, 'DELETE', `/v1/portal-sessions/${revoked.id}`)).status).toBe(204);
  });

  it('lets a session do what it may: its endpoints changed, tested, replayed, retried; a full one creates and deletes', async () => {
    const limited = await openSession(keyA, { endpointIds: [one.endpoint] });
    const patched = await api(limited.access, 'PATCH', `/v1/endpoints/${one.endpoint}`, { description: 'by merchant' });
    expect([patched.status, patched.body.description]).toEqual([200, 'by merchant']);
    expect((await api(keyA, 'GET', `/v1/endpoints/${one.endpoint}`)).body.description).toBe('by merchant');
    const tested = await api(limited.access, 'POST', `/v1/endpoints/${one.endpoint}/test`);
    expect([tested.status, tested.body.statusCode]).toEqual([200, 200]);
    expect((await api(limited.access, 'POST', `/v1/deliveries/${one.delivery}/retry`)).status).toBe(202);
    const replay = await api(limited.access, 'POST', `/v1/endpoints/${one.endpoint}/replay`, {
      since: new Date(Date.now() - 60_000).toISOString(),
      eventTypes: ['digitax.*'],
    });
    expect(replay.status).toBe(202);
    expect((await api(limited.access, 'GET', `/v1/replays/${replay.body.id}`)).status).toBe(200);
    const secret = await api(limited.access, 'GET', `/v1/endpoints/${one.endpoint}/secret`);
    expect([secret.status, secret.body.scheme]).toEqual([200, 'v1']);

    const full = await openSession(keyA);
    const created = await api(full.access, 'POST', '/v1/endpoints', { url: receiver.url('/new'), eventTypes: ['*'] });
    expect(created.status).toBe(201);
    expect((await api(full.access, 'GET', `/v1/endpoints/${created.body.id}`)).status).toBe(200);
    // The limited session does not see the endpoint made after it (nor may it delete it).
    expect((await api(limited.access, 'GET', `/v1/endpoints/${created.body.id}`)).status).toBe(404);
    expect((await api(full.access, 'DELETE', `/v1/endpoints/${created.body.id}`)).status).toBe(204);
    expect((await api(keyA, 'GET', `/v1/endpoints/${created.body.id}`)).status).toBe(404);
  });
});
