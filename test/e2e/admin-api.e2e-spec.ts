import SwaggerParser from '@apidevtools/swagger-parser';
import { Webhook } from 'standardwebhooks';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { ExpiredEventsWriter, dataSourceOptions } from '@gateway/persistence';
import { GatewayProcesses, KAYNKO_EXAMPLES, Receiver, call, eventually, testInfra } from '@gateway/testing';

type Operation = { method: string; path: string; tag: string; secured: boolean };

/**
 * The admin API as partners use it: the OpenAPI document is valid and is the route list; every route refuses every
 * wrong principal the same way; resources paginate; events export; keys are rate-limited.
 */
describe('admin API (four processes, real Kafka and Postgres)', () => {
  jest.setTimeout(180_000);
  const gateway = new GatewayProcesses({ ADMIN_API_RATE_LIMIT_PER_KEY: '60' });
  const receiver = new Receiver();
  let admin: string;
  let spec: any;
  let operations: Operation[];
  // Tenant A with a resource of every kind; tenant B to prove isolation.
  const a: Record<string, string> = {};
  let keyB: string;
  let noScopeKey: string;
  let revokedKey: string;

  beforeAll(async () => {
    await Promise.all([gateway.start(), receiver.start()]);
    admin = gateway.url('admin-api');
    const op = gateway.operatorKey;
    const tenant = async (name: string) =>
      (await call('POST', `${admin}/v1/tenants`, { key: op, body: { name } })).body.id as string;
    a.tenant = await tenant('A');
    const tenantB = await tenant('B');
    const keyA = (await call('POST', `${admin}/v1/tenants/${a.tenant}/api-keys`, { key: op, body: { name: 'full' } }))
      .body;
    a.key = keyA.key;
    a.apiKeyId = keyA.id;
    keyB = (await call('POST', `${admin}/v1/tenants/${tenantB}/api-keys`, { key: op, body: { name: 'b' } })).body.key;
    noScopeKey = (
      await call('POST', `${admin}/v1/tenants/${a.tenant}/api-keys`, { key: op, body: { name: 'none', scopes: [] } })
    ).body.key;
    const revoked = (
      await call('POST', `${admin}/v1/tenants/${a.tenant}/api-keys`, { key: op, body: { name: 'gone' } })
    ).body;
    revokedKey = revoked.key;
    expect((await call('DELETE', `${admin}/v1/api-keys/${revoked.id}`, { key: op })).status).toBe(204);

    const source = (
      await call('POST', `${admin}/v1/sources`, { key: a.key, body: { provider: 'kaynko', name: 'Shop' } })
    ).body;
    a.source = source.id;
    a.ingestUrl = source.ingestUrl;
    a.endpoint = (
      await call('POST', `${admin}/v1/endpoints`, {
        key: a.key,
        body: { url: receiver.url(), eventTypes: ['kaynko.*'] },
      })
    ).body.id;
    const body = JSON.stringify(KAYNKO_EXAMPLES['sale.completed']);
    a.event = (
      await call('POST', source.ingestUrl, {
        rawBody: body,
        headers: { 'content-type': 'application/json', 'x-kaynko-event': 'sale.completed' },
      })
    ).body.id;
    const delivery = await eventually(
      async () => (await call('GET', `${admin}/v1/deliveries?eventId=${a.event}`, { key: a.key })).body.data?.[0],
    );
    a.delivery = delivery.id;
    // A replay of tenant A that matches nothing (so it sends nothing), for the authorization matrix.
    const since = new Date(Date.now() - 60_000).toISOString();
    a.replay = (
      await call('POST', `${admin}/v1/endpoints/${a.endpoint}/replay`, {
        key: a.key,
        body: { since, eventTypes: ['digitax.*'] },
      })
    ).body.id;
    a.portalSession = (await call('POST', `${admin}/v1/portal-sessions`, { key: a.key, body: {} })).body.id;
    a.recovery = (
      await call('POST', `${admin}/v1/endpoints/${a.endpoint}/recover`, { key: a.key, body: { since } })
    ).body.id;

    spec = (await call('GET', `${admin}/docs-json`)).body;
    operations = Object.entries(
      spec.paths as Record<string, Record<string, { tags?: string[]; security?: unknown[] }>>,
    ).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, operation]) => ({
        method: method.toUpperCase(),
        path,
        tag: operation.tags?.[0] ?? '',
        secured: (operation.security?.length ?? 0) > 0,
      })),
    );
  });

  afterAll(async () => {
    await gateway.stop();
    await receiver.stop();
  });

  /** A concrete URL for an operation, with tenant A's ids in the path. */
  const urlOf = ({ path }: Operation) =>
    admin +
    path
      .replace('{tenantId}', a.tenant!)
      .replace(/^\/v1\/tenants\/\{id\}/, `/v1/tenants/${a.tenant}`)
      .replace(/^\/v1\/api-keys\/\{id\}/, `/v1/api-keys/${a.apiKeyId}`)
      .replace(/^\/v1\/sources\/\{id\}/, `/v1/sources/${a.source}`)
      .replace(/^\/v1\/endpoints\/\{id\}/, `/v1/endpoints/${a.endpoint}`)
      .replace(/^\/v1\/events\/\{id\}/, `/v1/events/${a.event}`)
      .replace(/^\/v1\/deliveries\/\{id\}/, `/v1/deliveries/${a.delivery}`)
      .replace(/^\/v1\/replays\/\{id\}/, `/v1/replays/${a.replay}`)
      .replace(/^\/v1\/portal-sessions\/\{id\}/, `/v1/portal-sessions/${a.portalSession}`)
      .replace(/^\/v1\/recoveries\/\{id\}/, `/v1/recoveries/${a.recovery}`);

  /** A body the route would accept (so the answer is about who asks, not what is sent); none for GET/DELETE. */
  const bodyOf = (o: Operation) => {
    if (['GET', 'DELETE'].includes(o.method)) return undefined;
    if (o.path.endsWith('/api-keys')) return { name: 'probe' };
    if (o.path.endsWith('/recover')) return { since: new Date(Date.now() - 60_000).toISOString() };
    if (o.path.endsWith('/replay'))
      return { since: new Date(Date.now() - 60_000).toISOString(), eventTypes: ['digitax.*'] };
    return {};
  };

  const operatorRoutes = (o: Operation) =>
    o.tag === 'Tenants' || o.tag === 'API keys' || (o.tag === 'Portal' && !o.path.endsWith('/current'));
  const anyKeyRoutes = (o: Operation) => o.tag === 'Event types';
  // Every route but health, metrics and the portal link exchange (which carries its own one-time token) needs a key.
  const secured = () => operations.filter((o) => o.secured);

  it('serves a valid OpenAPI 3 document that lists the API', async () => {
    expect(spec.openapi).toMatch(/^3\./);
    await expect(SwaggerParser.validate(structuredClone(spec))).resolves.toBeDefined();
    const listed = operations.map((o) => `${o.method} ${o.path}`);
    for (const route of [
      'POST /v1/tenants',
      'GET /v1/tenants/{id}',
      'POST /v1/tenants/{tenantId}/api-keys',
      'POST /v1/api-keys/{id}/regenerate',
      'POST /v1/sources',
      'POST /v1/endpoints/{id}/rotate-secret',
      'GET /v1/endpoints/{id}/stats',
      'GET /v1/event-types',
      'GET /v1/events/export.csv',
      'GET /v1/events/{id}',
      'POST /v1/deliveries/{id}/retry',
    ]) {
      expect(listed).toContain(route);
    }
  });

  it('answers 401 on every secured route without a key, with a bad key and with a revoked key', async () => {
    for (const operation of secured()) {
      for (const key of [undefined, 'gw_live_not-a-real-key', revokedKey]) {
        const res = await call(operation.method, urlOf(operation), { key, body: bodyOf(operation) });
        expect({ route: `${operation.method} ${operation.path}`, status: res.status }).toEqual({
          route: `${operation.method} ${operation.path}`,
          status: 401,
        });
        expect(res.body.error.code).toBe('unauthorized');
      }
    }
  });

  it('answers 403 on every tenant route to a valid key without the scope', async () => {
    for (const operation of secured().filter((o) => !anyKeyRoutes(o))) {
      const res = await call(operation.method, urlOf(operation), { key: noScopeKey, body: bodyOf(operation) });
      expect({ route: `${operation.method} ${operation.path}`, status: res.status }).toEqual({
        route: `${operation.method} ${operation.path}`,
        status: 403,
      });
    }
    expect((await call('GET', `${admin}/v1/event-types`, { key: noScopeKey })).status).toBe(200);
  });

  it("answers 404 for another tenant's ids, exactly as if they did not exist", async () => {
    for (const operation of secured().filter((o) => o.path.includes('{') && o.tag !== 'Tenants')) {
      const res = await call(operation.method, urlOf(operation), { key: keyB, body: bodyOf(operation) });
      expect({ route: `${operation.method} ${operation.path}`, status: res.status }).toEqual({
        route: `${operation.method} ${operation.path}`,
        status: 404,
      });
    }
  });

  it('refuses the operator key on tenant-scoped routes and tenant keys on operator-only routes', async () => {
    for (const operation of secured().filter((o) => !operatorRoutes(o) && !anyKeyRoutes(o))) {
      expect(
        (await call(operation.method, urlOf(operation), { key: gateway.operatorKey, body: bodyOf(operation) })).status,
      ).toBe(403);
    }
    for (const operation of secured().filter((o) => o.tag === 'Tenants')) {
      expect((await call(operation.method, urlOf(operation), { key: a.key, body: bodyOf(operation) })).status).toBe(
        403,
      );
    }
  });

  it('refuses a NUL character (%00) in a path or a query with 400 on every service, never a 500', async () => {
    const requests: Array<[method: string, url: string, key: string | undefined]> = [
      ['GET', `${admin}/v1/tenants/%00`, gateway.operatorKey],
      ['GET', `${admin}/v1/endpoints/ep_%00`, a.key],
      ['GET', `${admin}/v1/deliveries?eventId=%00`, a.key],
      ['POST', `${gateway.url('ingest')}/v1/ingest/kaynko/%00`, undefined],
      ['POST', `${gateway.url('qerko-bridge')}/v1/qerko/%00/webhook`, undefined],
    ];
    for (const [method, url, key] of requests) {
      const res = await call(method, url, { key, body: method === 'POST' ? {} : undefined });
      expect({ url, status: res.status, code: res.body.error?.code }).toEqual({
        url,
        status: 400,
        code: 'invalid_url',
      });
    }
    // An encoded percent sign followed by zeros is not a NUL: an unknown id, as ever.
    expect((await call('GET', `${admin}/v1/endpoints/ep_%2500`, { key: a.key })).status).toBe(404);
    // Nor in a JSON body, in a value or a key, nor a lone surrogate (the fuzz found NUL reaching PostgreSQL: 500).
    const bodies: Array<[string, string, string]> = [
      ['POST', `${admin}/v1/tenants`, '{"name":"a\\u0000b"}'],
      ['PATCH', `${admin}/v1/endpoints/${a.endpoint}`, '{"description":"x\\ud800"}'],
      ['PATCH', `${admin}/v1/endpoints/${a.endpoint}`, '{"headers":{"x-a\\u0000":"1"}}'],
    ];
    for (const [method, url, rawBody] of bodies) {
      const key = url.endsWith('/tenants') ? gateway.operatorKey : a.key;
      const res = await call(method, url, { key, rawBody, headers: { 'content-type': 'application/json' } });
      expect([rawBody, res.status, res.body.error?.code]).toEqual([rawBody, 400, 'invalid_json']);
    }
  });

  it('answers every HTTP error in the one shape: 405 for a wrong method, 415 for a body that is not JSON', async () => {
    const wrongMethod = await call('PUT', `${admin}/v1/endpoints/${a.endpoint}`, { key: a.key, body: {} });
    expect([wrongMethod.status, wrongMethod.body.error?.code]).toEqual([405, 'method_not_allowed']);
    expect(wrongMethod.headers.get('allow')).toBe('DELETE, GET, HEAD, PATCH');
    const noRoute = await call('GET', `${admin}/v1/nothing-here`, { key: a.key });
    expect([noRoute.status, noRoute.body.error?.code]).toEqual([404, 'not_found']);
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', '']) {
      const res = await call('POST', `${admin}/v1/endpoints`, {
        key: a.key,
        rawBody: JSON.stringify({ url: receiver.url(), eventTypes: ['*'] }),
        headers: type ? { 'content-type': type } : {},
      });
      expect([type, res.status, res.body.error?.code]).toEqual([type, 415, 'unsupported_media_type']);
    }
    const bridge = gateway.url('qerko-bridge');
    const replies = await call('POST', `${bridge}/v1/qerko/replies`, {
      key: a.key,
      rawBody: 'uuid=1',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect([replies.status, replies.body.error?.code]).toEqual([415, 'unsupported_media_type']);
    // Qerko's webhook for a source that does not exist: 404 before its body is read (not a 400 about the body).
    const unknown = await call('POST', `${bridge}/v1/qerko/src_doesnotexist/webhook`, {
      rawBody: '{not json',
      headers: { 'content-type': 'application/json' },
    });
    expect([unknown.status, unknown.body.error?.code]).toEqual([404, 'not_found']);
    // JSON answers are never sniffed nor cached, errors or not, on every service.
    for (const url of [`${admin}/v1/endpoints`, `${admin}/v1/nothing-here`, `${bridge}/health/ready`]) {
      const res = await fetch(url, { headers: { authorization: `Bearer ${a.key}` } });
      expect([url, res.headers.get('x-content-type-options'), res.headers.get('cache-control')]).toEqual([
        url,
        'nosniff',
        'no-store',
      ]);
    }
  });

  it('400 lists each bad field', async () => {
    const res = await call('POST', `${admin}/v1/endpoints`, {
      key: a.key,
      body: { url: 'https://10.0.0.1/hook', eventTypes: ['kaynko.nope'], format: 'xml', timeoutMs: 99_999, unknown: 1 },
    });
    expect(res.status).toBe(400);
    const fields = (res.body.error.details as Array<{ field: string }>).map((d) => d.field);
    expect(fields).toEqual(expect.arrayContaining(['format', 'timeoutMs', 'unknown']));
    const ssrf = await call('POST', `${admin}/v1/endpoints`, {
      key: a.key,
      body: { url: 'https://169.254.169.254/latest', eventTypes: ['*'] },
    });
    expect(ssrf.body.error.details).toEqual([{ field: 'url', reason: expect.stringContaining('link-local') }]);
    // One reason per field: a missing one is "is required", not its type and length rules.
    const empty = await call('POST', `${admin}/v1/endpoints`, { key: a.key, body: {} });
    const details = empty.body.error.details as Array<{ field: string; reason: string }>;
    expect(details).toEqual(
      expect.arrayContaining([
        { field: 'url', reason: 'is required' },
        { field: 'eventTypes', reason: 'is required' },
      ]),
    );
    expect(new Set(details.map((d) => d.field)).size).toBe(details.length);
    // null for a field that cannot be null is a bad value, not an absent one (the fuzz found it reaching a NOT NULL
    // column: 500).
    for (const [path, body, field] of [
      [`/v1/sources/${a.source}`, { name: null }, 'name'],
      [`/v1/endpoints/${a.endpoint}`, { eventTypes: null, enabled: null }, 'eventTypes'],
    ] as const) {
      const res = await call('PATCH', `${admin}${path}`, { key: a.key, body });
      expect([path, res.status]).toEqual([path, 400]);
      expect(res.body.error.details).toEqual(expect.arrayContaining([expect.objectContaining({ field })]));
    }
  });

  it("keeps a tenant's data for the default retention, or for its own retentionDays, settable by the operator", async () => {
    const op = gateway.operatorKey;
    const created = await call('POST', `${admin}/v1/tenants`, { key: op, body: { name: 'Retained' } });
    expect(created.body).toMatchObject({ name: 'Retained', retentionDays: 30, retentionIsDefault: true });
    const url = `${admin}/v1/tenants/${created.body.id}`;
    const own = await call('POST', `${admin}/v1/tenants`, { key: op, body: { name: 'Kept', retentionDays: 90 } });
    expect(own.body).toMatchObject({ retentionDays: 90, retentionIsDefault: false });

    expect((await call('PATCH', url, { key: op, body: { retentionDays: 7 } })).body).toMatchObject({
      name: 'Retained',
      retentionDays: 7,
      retentionIsDefault: false,
    });
    // A PATCH of the name alone leaves the retention as it is; null goes back to the default.
    expect((await call('PATCH', url, { key: op, body: { name: 'Renamed' } })).body).toMatchObject({
      name: 'Renamed',
      retentionDays: 7,
    });
    for (const retentionDays of [0, 401, 1.5, '30', true]) {
      const refused = await call('PATCH', url, { key: op, body: { retentionDays } });
      expect([retentionDays, refused.status]).toEqual([retentionDays, 400]);
      expect(refused.body.error.details).toEqual([expect.objectContaining({ field: 'retentionDays' })]);
    }
    const nullName = await call('PATCH', url, { key: op, body: { name: null } });
    expect(nullName.body.error.details).toEqual([expect.objectContaining({ field: 'name' })]);
    expect((await call('GET', url, { key: op })).body).toMatchObject({ name: 'Renamed', retentionDays: 7 });
    expect((await call('PATCH', url, { key: op, body: { retentionDays: null } })).body).toMatchObject({
      retentionDays: 30,
      retentionIsDefault: true,
    });
    // Only the operator sets it.
    expect((await call('PATCH', url, { key: a.key, body: { retentionDays: 400 } })).status).toBe(403);
  });

  it("answers 404 expired for an event retention removed, and refuses a replay reaching past the tenant's retention", async () => {
    // What a retention pass leaves behind for the events it removes (fan-out's RetentionJob, tested on its own).
    const db = await new DataSource(dataSourceOptions(testInfra().databaseUrl, { poolSize: 1 })).initialize();
    try {
      const expired = new ExpiredEventsWriter(db);
      await expired.add(a.tenant!, 'evt_removed_by_retention');
      await expired.flush();
    } finally {
      await db.destroy();
    }
    const gone = await call('GET', `${admin}/v1/events/evt_removed_by_retention`, { key: a.key });
    expect(gone.status).toBe(404);
    expect(gone.body.error).toMatchObject({ code: 'expired', message: expect.stringContaining('retention') });
    // Another tenant's view of the same id, and an id never stored: not found.
    expect((await call('GET', `${admin}/v1/events/evt_removed_by_retention`, { key: keyB })).body.error.code).toBe(
      'not_found',
    );
    expect((await call('GET', `${admin}/v1/events/evt_never_stored`, { key: a.key })).body.error.code).toBe(
      'not_found',
    );

    // A replay may reach back to the start of the UTC day `retentionDays` (30, the default) days ago, not before.
    const dayStart = Math.floor(Date.now() / 86_400_000) * 86_400_000;
    const oldest = new Date(dayStart - 30 * 86_400_000).toISOString();
    const tooOld = await call('POST', `${admin}/v1/endpoints/${a.endpoint}/replay`, {
      key: a.key,
      body: { since: new Date(dayStart - 31 * 86_400_000).toISOString(), until: oldest },
    });
    expect(tooOld.status).toBe(400);
    expect(tooOld.body.error.details).toEqual([
      {
        field: 'since',
        reason: `must not be before ${oldest}: older events are past this tenant's retention (30 days)`,
      },
    ]);
    const inside = await call('POST', `${admin}/v1/endpoints/${a.endpoint}/replay`, {
      key: a.key,
      body: { since: oldest, until: new Date(dayStart - 29 * 86_400_000).toISOString() },
    });
    expect(inside.status).toBe(202);
  });

  it('refuses instants that do not exist or are not RFC 3339 with 400 naming the field (lists, CSV, replays)', async () => {
    for (const bad of [
      '2026-02-30T00:00:00Z',
      '0000-01-01T00:00:00Z',
      '2026-W10-1T00:00:00Z',
      '2026-06-11T08:30:00,5Z',
    ]) {
      for (const path of ['/v1/events', '/v1/deliveries', '/v1/events/export.csv']) {
        const res = await call('GET', `${admin}${path}?since=${encodeURIComponent(bad)}`, { key: a.key });
        expect({ path, bad, status: res.status, field: res.body.error?.details?.[0]?.field }).toEqual({
          path,
          bad,
          status: 400,
          field: 'since',
        });
      }
      const replay = await call('POST', `${admin}/v1/endpoints/${a.endpoint}/replay`, {
        key: a.key,
        body: { since: bad, eventTypes: ['digitax.*'] },
      });
      expect([replay.status, replay.body.error?.details?.[0]?.field]).toEqual([400, 'since']);
    }
  });

  it('paginates with limit and cursor, nextCursor null on the last page', async () => {
    for (let i = 0; i < 5; i++)
      await call('POST', `${admin}/v1/sources`, { key: a.key, body: { provider: 'digitax', name: `eTIMS ${i}` } });
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res: { body: { data: Array<{ id: string }>; nextCursor: string | null } } = await call(
        'GET',
        `${admin}/v1/sources?limit=2${cursor ? `&cursor=${cursor}` : ''}`,
        { key: a.key },
      );
      seen.push(...res.body.data.map((s) => s.id));
      cursor = res.body.nextCursor;
      pages++;
    } while (cursor);
    expect(seen).toHaveLength(6);
    expect(new Set(seen).size).toBe(6);
    expect(pages).toBe(3);
    expect((await call('GET', `${admin}/v1/sources?limit=1000`, { key: a.key })).status).toBe(400);
    // A tampered cursor never reaches the database (a NUL or a date that does not exist answered 500).
    const tampered = (parts: unknown[]) => Buffer.from(JSON.stringify(parts)).toString('base64url');
    for (const [list, cursor] of [
      ['sources', 'garbage'],
      ['sources', tampered(['src_\u0000'])],
      ['deliveries', tampered(['x'.repeat(100)])],
      ['events', tampered(['2026-02-30T00:00:00.000Z', 'evt_1'])],
      ['events', tampered(['+275760-09-13T00:00:00.000Z', 'evt_1'])],
      ['events', tampered(['evt_1'])],
    ] as const) {
      const res = await call('GET', `${admin}/v1/${list}?cursor=${cursor}`, { key: a.key });
      expect([list, cursor, res.status, res.body.error?.code]).toEqual([list, cursor, 400, 'invalid_cursor']);
    }
  });

  it('shows events with their deliveries, filters them, and exports CSV', async () => {
    const event = (await call('GET', `${admin}/v1/events/${a.event}`, { key: a.key })).body;
    expect(event).toMatchObject({
      id: a.event,
      type: 'kaynko.sale.completed',
      data: { saleId: 42 },
      deliveries: [expect.objectContaining({ endpointId: a.endpoint })],
    });
    expect((await call('GET', `${admin}/v1/events?type=kaynko.sale.completed`, { key: a.key })).body.data).toHaveLength(
      1,
    );
    expect((await call('GET', `${admin}/v1/events?type=kaynko.sale.voided`, { key: a.key })).body.data).toHaveLength(0);
    const csv = await call('GET', `${admin}/v1/events/export.csv`, { key: a.key });
    expect(csv.headers.get('content-type')).toContain('text/csv');
    const lines = (csv.body as string).trim().split('\r\n');
    expect(lines[0]).toBe('id,type,provider,sourceId,receivedAt,occurredAt,data');
    expect(lines[1]).toContain(a.event);
  });

  it('gives endpoint stats and the event-type catalog with schemas', async () => {
    const stats = (await call('GET', `${admin}/v1/endpoints/${a.endpoint}/stats?window=1h`, { key: a.key })).body;
    expect(stats).toMatchObject({ attempts: 1, succeeded: 1, successRate: 1, latencyMs: { p50: expect.any(Number) } });
    // The window in 24 equal buckets, oldest first, for charts: the one attempt is in the last bucket.
    const series = stats.series as Array<{ from: string; attempts: number; successRate: number | null }>;
    expect(series).toHaveLength(24);
    expect(Date.parse(series[1]!.from) - Date.parse(series[0]!.from)).toBe(150_000);
    expect(series.map((p) => p.attempts)).toEqual([...Array<number>(23).fill(0), 1]);
    expect(series[23]).toMatchObject({ succeeded: 1, successRate: 1, p95LatencyMs: expect.any(Number) });
    const catalog = (await call('GET', `${admin}/v1/event-types`, { key: a.key })).body.data;
    expect(catalog.find((t: any) => t.type === 'kaynko.sale.completed').schema.properties.paymentMethod.enum).toContain(
      'mobile_money',
    );
  });

  it('tests an endpoint on demand: a signed gateway.ping, and the outcome inline', async () => {
    const endpoint = (
      await call('POST', `${admin}/v1/endpoints`, {
        key: a.key,
        body: { url: receiver.url('/test'), eventTypes: ['kaynko.sale.voided'] },
      })
    ).body;
    const before = receiver.requests.length;
    const ok = (await call('POST', `${admin}/v1/endpoints/${endpoint.id}/test`, { key: a.key })).body;
    expect(ok).toMatchObject({ succeeded: true, statusCode: 200, error: null, durationMs: expect.any(Number) });
    const sent = receiver.requests[before]!;
    expect(JSON.parse(sent.body.toString())).toMatchObject({ type: 'gateway.ping', data: { endpointId: endpoint.id } });
    expect(() => new Webhook(endpoint.secret).verify(sent.body.toString(), sent.headers)).not.toThrow();

    receiver.behaviour = (_, res) => void res.writeHead(500).end('nope');
    try {
      const failed = (await call('POST', `${admin}/v1/endpoints/${endpoint.id}/test`, { key: a.key })).body;
      // The receiver is on 127.0.0.1, a private address the operator allowed: its answer is not shown to tenants.
      expect(failed).toMatchObject({
        succeeded: false,
        statusCode: 500,
        error: { class: 'http_status' },
        responseBody: null,
      });
    } finally {
      receiver.behaviour = (_, res) => void res.writeHead(200).end('ok');
    }
    // The body of rotate-secret is optional, as the spec says: without one, a generated secret.
    const rotated = await call('POST', `${admin}/v1/endpoints/${endpoint.id}/rotate-secret`, { key: a.key });
    expect(rotated.status).toBe(200);
    expect(rotated.body.secret).toMatch(/^whsec_/);
    // During the rotation's overlap the Test is signed as deliveries are: with the new and the previous secret.
    const count = receiver.requests.length;
    expect((await call('POST', `${admin}/v1/endpoints/${endpoint.id}/test`, { key: a.key })).body.succeeded).toBe(true);
    const signed = receiver.requests[count]!;
    expect(String(signed.headers['webhook-signature']).split(' ')).toHaveLength(2);
    for (const secret of [endpoint.secret, rotated.body.secret])
      expect(() => new Webhook(secret).verify(signed.body.toString(), signed.headers)).not.toThrow();
  });

  it('replays a window of events to another endpoint, with progress to 100 %', async () => {
    const target = await new Receiver().start();
    try {
      const endpoint = (
        await call('POST', `${admin}/v1/endpoints`, {
          key: a.key,
          body: { url: target.url(), eventTypes: ['digitax.*'] },
        })
      ).body;
      const since = new Date(Date.now() - 3600_000).toISOString();
      const bad = await call('POST', `${admin}/v1/endpoints/${endpoint.id}/replay`, {
        key: a.key,
        body: { since, until: '2000-01-01T00:00:00.000Z' },
      });
      expect(bad.status).toBe(400);
      // A wildcard at any level is valid, as on endpoints (the spec's own example was refused); one that covers no
      // type is 400 naming it. (An empty window: nothing is sent.)
      const window = { since, until: new Date(Date.parse(since) + 1).toISOString() };
      const nested = await call('POST', `${admin}/v1/endpoints/${endpoint.id}/replay`, {
        key: a.key,
        body: { ...window, eventTypes: ['kaynko.sale.*'] },
      });
      expect([nested.status, nested.body.total]).toEqual([202, 0]);
      const nothing = await call('POST', `${admin}/v1/endpoints/${endpoint.id}/replay`, {
        key: a.key,
        body: { ...window, eventTypes: ['kaynko.nope.*'] },
      });
      expect(nothing.body.error?.details).toEqual([
        { field: 'eventTypes[0]', reason: 'no event types under "kaynko.nope"' },
      ]);
      const job = await call('POST', `${admin}/v1/endpoints/${endpoint.id}/replay`, {
        key: a.key,
        body: { since, eventTypes: ['kaynko.*'] },
      });
      expect(job.status).toBe(202);
      expect(job.body).toMatchObject({ id: expect.stringMatching(/^rpl_/), total: 1, status: 'scheduling' });
      // Every state a partner polling it sees: completed exactly when progress reaches 1, never before.
      const seen: string[] = [];
      const done = await eventually(async () => {
        const progress = (await call('GET', `${admin}/v1/replays/${job.body.id}`, { key: a.key })).body;
        seen.push(`${progress.status} ${progress.progress}`);
        return progress.status === 'completed' ? progress : null;
      }, 20_000);
      for (const state of seen) expect(state).toMatch(/^(scheduling 0|delivering 0(\.\d+)?|completed 1)$/);
      expect(done).toMatchObject({
        scheduled: 1,
        succeeded: 1,
        failed: 0,
        progress: 1,
        completedAt: expect.any(String),
      });
      const [replayed] = await target.waitFor(1);
      expect(replayed!.headers['webhook-id']).toBe(a.event);
      expect(JSON.parse(replayed!.body.toString()).type).toBe('kaynko.sale.completed');
    } finally {
      await target.stop();
    }
  });

  // After the replay test, whose window must hold tenant A's one Kaynko event only.
  it('refuses endpoint headers the HTTP client cannot send or that change framing, and seals the rest at rest', async () => {
    const refused: Array<[string, string]> = [
      ['Expect', '100-continue'],
      ['upgrade', 'websocket'],
      ['KEEP-ALIVE', 'timeout=5'],
      ['Host', 'intranet.example'],
      ['Content-Length', '1'],
      ['content-encoding', 'gzip'],
      ['Transfer-Encoding', 'chunked'],
      ['TE', 'trailers'],
      ['Trailer', 'x-sum'],
      ['Connection', 'close'],
      ['Proxy-Authorization', 'Basic eA=='],
      ['webhook-signature', 'v1,forged'],
      ['X-Kaynko-Signature', 'sha256=00'],
      ['X-Gateway-Event-Id', 'evt_forged'],
      ['bad name', 'x'],
      ['x-bell', 'a\u0007b'],
      ['x-next-line', 'a\u0085b'],
      ['x-euro', '10 €'],
      ['x-emoji', '\u{1F600}'],
    ];
    const endpoint = (
      await call('POST', `${admin}/v1/endpoints`, {
        key: a.key,
        body: { url: receiver.url('/headers'), eventTypes: ['kaynko.sale.voided'], headers: { 'x-erp': 'one' } },
      })
    ).body;
    for (const [name, value] of refused) {
      const created = await call('POST', `${admin}/v1/endpoints`, {
        key: a.key,
        body: { url: receiver.url('/headers'), eventTypes: ['*'], headers: { [name]: value } },
      });
      expect([name, created.status, created.body.error?.details]).toEqual([
        name,
        400,
        [{ field: `headers.${name}`, reason: expect.any(String) }],
      ]);
      const updated = await call('PATCH', `${admin}/v1/endpoints/${endpoint.id}`, {
        key: a.key,
        body: { headers: { [name]: value } },
      });
      expect([name, updated.status]).toEqual([name, 400]);
    }
    const many = Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`x-h${i}`, 'v']));
    const large = { 'x-a': 'a'.repeat(4096), 'x-b': 'b'.repeat(4096) };
    for (const headers of [many, large]) {
      const res = await call('PATCH', `${admin}/v1/endpoints/${endpoint.id}`, { key: a.key, body: { headers } });
      expect(res.status).toBe(400);
      expect(res.body.error.details).toEqual([{ field: 'headers', reason: expect.any(String) }]);
    }
    // Nothing refused changed the endpoint.
    expect((await call('GET', `${admin}/v1/endpoints/${endpoint.id}`, { key: a.key })).body.headers).toEqual({
      'x-erp': 'one',
    });

    // What is accepted is stored sealed, shown to the tenant, and sent.
    const headers = { Authorization: 'Bearer erp-credential-7f3a', 'x-shop': 'Café Müller' };
    const res = await call('PATCH', `${admin}/v1/endpoints/${endpoint.id}`, { key: a.key, body: { headers } });
    expect(res.status).toBe(200);
    expect(res.body.headers).toEqual(headers);
    const db = new Client({ connectionString: testInfra().databaseUrl });
    await db.connect();
    try {
      const { rows } = await db.query(`SELECT headers::text AS plain, headers_sealed FROM endpoints WHERE id = $1`, [
        endpoint.id,
      ]);
      expect(rows[0].plain).toBe('{}');
      expect(rows[0].headers_sealed).toMatch(/^v1\./);
      expect(rows[0].headers_sealed).not.toContain('erp-credential');
    } finally {
      await db.end();
    }
    const before = receiver.requests.length;
    const test = (await call('POST', `${admin}/v1/endpoints/${endpoint.id}/test`, { key: a.key })).body;
    expect(test).toMatchObject({ succeeded: true, statusCode: 200 });
    const sent = receiver.requests[before]!;
    expect(sent.headers['authorization']).toBe('Bearer erp-credential-7f3a');
    expect(sent.headers['x-shop']).toBe('Café Müller'); // Latin-1 on the wire

    // Fan-out opens them too: a delivery carries them.
    const voided = await call('POST', a.ingestUrl!, {
      rawBody: JSON.stringify(KAYNKO_EXAMPLES['sale.voided']),
      headers: { 'content-type': 'application/json', 'x-kaynko-event': 'sale.voided' },
    });
    expect(voided.status).toBe(202);
    const delivered = await eventually(() =>
      Promise.resolve(
        receiver.requests.find((r) => r.path === '/headers' && r.headers['webhook-id'] === voided.body.id),
      ),
    );
    expect(delivered.headers).toMatchObject({ authorization: 'Bearer erp-credential-7f3a', 'x-shop': 'Café Müller' });
  });

  it('lets a key grant, regenerate and revoke only scopes it holds itself (403 naming the scope)', async () => {
    const keysUrl = `${admin}/v1/tenants/${a.tenant}/api-keys`;
    const narrow = (
      await call('POST', keysUrl, {
        key: gateway.operatorKey,
        body: { name: 'key manager', scopes: ['api-keys:read', 'api-keys:write'] },
      })
    ).body;
    const asNarrow = (method: string, url: string, body?: unknown) => call(method, url, { key: narrow.key, body });

    const minted = await asNarrow('POST', keysUrl, { name: 'escalate', scopes: ['api-keys:write', 'sources:write'] });
    expect([minted.status, minted.body.error?.code]).toEqual([403, 'forbidden']);
    expect(minted.body.error.message).toContain('"sources:write"');
    // Without scopes: the caller's own, never every scope.
    const defaulted = await asNarrow('POST', keysUrl, { name: 'same as me' });
    expect(defaulted.status).toBe(201);
    expect([...defaulted.body.scopes].sort()).toEqual(['api-keys:read', 'api-keys:write']);
    // A wider key can be neither taken over nor revoked, and still works.
    for (const [method, url] of [
      ['POST', `${admin}/v1/api-keys/${a.apiKeyId}/regenerate`],
      ['DELETE', `${admin}/v1/api-keys/${a.apiKeyId}`],
    ] as const) {
      const res = await asNarrow(method, url);
      expect({ route: `${method} ${url}`, status: res.status }).toEqual({ route: `${method} ${url}`, status: 403 });
    }
    expect((await call('GET', `${admin}/v1/sources`, { key: a.key })).status).toBe(200);
    // Keys within its own scopes, itself included, it manages as before.
    expect((await asNarrow('POST', `${admin}/v1/api-keys/${defaulted.body.id}/regenerate`)).status).toBe(201);
    expect((await asNarrow('DELETE', `${admin}/v1/api-keys/${defaulted.body.id}`)).status).toBe(204);
  });

  it("moves a Qerko source's apiBaseUrl (which receives the restaurant's API key) only with that key supplied again", async () => {
    const config = { apiBaseUrl: receiver.url('/qerko/api/v4'), posId: '7d0a3c9e-3f5e-4b7a-9a53-0c9b1f1e2d3c' };
    const source = (
      await call('POST', `${admin}/v1/sources`, {
        key: a.key,
        body: { provider: 'qerko', name: 'Restaurant', secret: 'qerko-api-key-1', config },
      })
    ).body;
    const elsewhere = { ...config, apiBaseUrl: receiver.url('/attacker/api/v4') };
    const moved = await call('PATCH', `${admin}/v1/sources/${source.id}`, { key: a.key, body: { config: elsewhere } });
    expect(moved.status).toBe(400);
    expect(moved.body.error.details).toEqual([{ field: 'secret', reason: expect.stringContaining('apiBaseUrl') }]);
    expect((await call('GET', `${admin}/v1/sources/${source.id}`, { key: a.key })).body.config).toEqual(config);
    // Same URL, another POS id: no key needed. A new URL with the key: accepted.
    const posOnly = { ...config, posId: '0b7c2a8e-1d4f-4e6a-8b9c-2f3e4d5c6b7a' };
    expect(
      (await call('PATCH', `${admin}/v1/sources/${source.id}`, { key: a.key, body: { config: posOnly } })).status,
    ).toBe(200);
    const withKey = await call('PATCH', `${admin}/v1/sources/${source.id}`, {
      key: a.key,
      body: { config: elsewhere, secret: 'qerko-api-key-1' },
    });
    expect(withKey.status).toBe(200);
    expect(withKey.body.config).toEqual(elsewhere);
  });

  it('regenerating a key stops the old one at once', async () => {
    const created = (
      await call('POST', `${admin}/v1/tenants/${a.tenant}/api-keys`, {
        key: gateway.operatorKey,
        body: { name: 'rotating' },
      })
    ).body;
    const fresh = (await call('POST', `${admin}/v1/api-keys/${created.id}/regenerate`, { key: gateway.operatorKey }))
      .body;
    expect(fresh.key).not.toBe(created.key);
    expect((await call('GET', `${admin}/v1/sources`, { key: created.key })).status).toBe(401);
    expect((await call('GET', `${admin}/v1/sources`, { key: fresh.key })).status).toBe(200);
  });

  it('rate-limits each key with 429 and Retry-After', async () => {
    const key = (
      await call('POST', `${admin}/v1/tenants/${a.tenant}/api-keys`, {
        key: gateway.operatorKey,
        body: { name: 'busy' },
      })
    ).body.key;
    // Waves of 100 concurrent requests until one is limited: at 60/s (burst 120) that takes a wave or two, however
    // slow the machine (a single fixed burst could trickle in slowly enough to be refilled).
    let limited: { status: number; body: any; headers: Headers } | undefined;
    for (let wave = 0; wave < 20 && !limited; wave++) {
      const results = await Promise.all(
        Array.from({ length: 100 }, () => call('GET', `${admin}/v1/event-types`, { key })),
      );
      expect(results.every((r) => r.status === 200 || r.status === 429)).toBe(true);
      limited = results.find((r) => r.status === 429);
    }
    expect(limited?.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(limited?.body.error.code).toBe('rate_limited');
  });
});
