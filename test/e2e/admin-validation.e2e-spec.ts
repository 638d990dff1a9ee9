import { GatewayProcesses, call } from '@gateway/testing';

/**
 * A 400 from the admin API names every invalid field of the request at once — the DTO's own rules and the checks that
 * need a service (the SSRF guard, the event-type catalog, provider rules) together — so a partner fixes a request in
 * one round, and nothing is created.
 */
describe('admin API validation: every invalid field in one answer (real admin-api process)', () => {
  jest.setTimeout(120_000);
  const gateway = new GatewayProcesses();
  let admin: string;
  let key: string;

  beforeAll(async () => {
    await gateway.start(['admin-api']);
    admin = gateway.url('admin-api');
    ({ key } = await gateway.tenantWithKey('validation'));
  });
  afterAll(() => gateway.stop());

  const api = (method: string, path: string, body?: unknown) => call(method, `${admin}${path}`, { key, body });
  const fields = (answer: { body: { error: { details?: Array<{ field: string; reason: string }> } } }) =>
    Object.fromEntries((answer.body.error.details ?? []).map((d) => [d.field, d.reason]));

  it('an endpoint: a private URL, unknown event types, a forbidden header and a bad timeout, in one 400', async () => {
    const answer = await api('POST', '/v1/endpoints', {
      url: 'https://10.1.2.3/hook',
      eventTypes: ['kaynko.sale.completed', 'kaynko.nothing.*', 'nope'],
      headers: { Host: 'evil.example' },
      timeoutMs: 5,
    });
    expect(answer.status).toBe(400);
    const byField = fields(answer);
    expect(Object.keys(byField).sort()).toEqual(['eventTypes[1]', 'eventTypes[2]', 'headers.Host', 'timeoutMs', 'url']);
    expect(byField['url']).toMatch(/private|internal|not allowed|reserved/i);
    expect(byField['eventTypes[1]']).toBe('no event types under "kaynko.nothing"');
    expect((await api('GET', '/v1/endpoints')).body.data).toEqual([]);
  });

  it('a payload filter: each mistake named by its path inside filter, and nothing stored', async () => {
    const answer = await api('POST', '/v1/endpoints', {
      url: 'https://example.com/filtered',
      eventTypes: ['kaynko.sale.*'],
      filter: {
        'data.total': { $gte: '100', $between: [1, 2] },
        total: 5,
        $or: [{ 'data.paymentMethod': { $in: [] } }, { 'data.customer': { name: 'x' } }],
        $not: { $not: { $not: { $not: { $not: { type: 'kaynko.sale.voided' } } } } },
      },
    });
    expect(answer.status).toBe(400);
    expect(answer.body.error.code).toBe('validation_failed');
    expect(fields(answer)).toEqual({
      'filter["data.total"].$between': expect.stringContaining('is not an operator; use one of $eq $ne'),
      'filter.total': expect.stringContaining('use one of id, type, provider'),
      'filter.$or[0]["data.paymentMethod"].$in': 'takes a non-empty array of strings, numbers, booleans or null',
      'filter.$or[1]["data.customer"]': expect.stringContaining('reach inside with a dotted path'),
      'filter.$not.$not.$not.$not.$not': 'nests deeper than 5 levels',
    });
    // A string is a fine operand of $gte (it compares with strings); a filter that is not an object is refused.
    const notObject = await api('POST', '/v1/endpoints', {
      url: 'https://example.com/filtered',
      eventTypes: ['*'],
      filter: ['data.total'],
    });
    expect(Object.keys(fields(notObject))).toEqual(['filter']);
    const many = Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`data.f${i}`, i]));
    const tooMany = await api('POST', '/v1/endpoints', {
      url: 'https://example.com/f',
      eventTypes: ['*'],
      filter: many,
    });
    expect(fields(tooMany)).toEqual({ filter: 'has 51 conditions; at most 50' });
    expect((await api('GET', '/v1/endpoints')).body.data).toEqual([]);

    const created = await api('POST', '/v1/endpoints', {
      url: 'https://example.com/filtered',
      eventTypes: ['*'],
      filter: { 'data.total': { $gte: 100 } },
    });
    expect(created.status).toBe(201);
    const update = await api('PATCH', `/v1/endpoints/${created.body.id}`, {
      filter: { 'data.total': { $regex: 'x' } },
    });
    expect(fields(update)).toEqual({ 'filter["data.total"].$regex': expect.stringContaining('is not an operator') });
    expect((await api('GET', `/v1/endpoints/${created.body.id}`)).body.filter).toEqual({ 'data.total': { $gte: 100 } });
    expect((await api('DELETE', `/v1/endpoints/${created.body.id}`)).status).toBe(204);
  });

  it('a retry schedule: each wrong step named by its index, and the schedule in force shown', async () => {
    const answer = await api('POST', '/v1/endpoints', {
      url: 'https://example.com/retried',
      eventTypes: ['*'],
      retrySchedule: ['10s', '500ms', '25h', 'soon'],
    });
    expect(fields(answer)).toEqual({
      'retrySchedule[1]': 'must be from 1s to 24h',
      'retrySchedule[2]': 'must be from 1s to 24h',
      'retrySchedule[3]': 'must be a duration such as "30s", "10m" or "2h"',
    });
    const tooLong = await api('POST', '/v1/endpoints', {
      url: 'https://example.com/retried',
      eventTypes: ['*'],
      retrySchedule: Array.from({ length: 21 }, () => '1m'),
    });
    expect(Object.keys(fields(tooLong))).toEqual(['retrySchedule']);
    expect((await api('GET', '/v1/endpoints')).body.data).toEqual([]);

    const created = await api('POST', '/v1/endpoints', { url: 'https://example.com/retried', eventTypes: ['*'] });
    // The deployment's schedule (GATEWAY_RETRY_SCHEDULE's default here).
    expect(created.body).toMatchObject({
      retrySchedule: null,
      retryScheduleInForce: ['5s', '5m', '30m', '2h', '5h', '10h', '10h'],
    });
    const own = await api('PATCH', `/v1/endpoints/${created.body.id}`, { retrySchedule: ['10s', '1m', '10m', '1h'] });
    expect(own.body).toMatchObject({
      retrySchedule: ['10s', '1m', '10m', '1h'],
      retryScheduleInForce: ['10s', '1m', '10m', '1h'],
    });
    expect((await api('DELETE', `/v1/endpoints/${created.body.id}`)).status).toBe(204);
  });

  it('a field the decorators refused is not checked again by the service rules (one reason per field)', async () => {
    const answer = await api('POST', '/v1/endpoints', { url: 42, eventTypes: 'kaynko.*' });
    expect(answer.status).toBe(400);
    expect(answer.body.error.details).toHaveLength(2);
    expect(Object.keys(fields(answer)).sort()).toEqual(['eventTypes', 'url']);
  });

  it('an endpoint update names every problem too', async () => {
    const created = await api('POST', '/v1/endpoints', { url: 'https://example.com/ok', eventTypes: ['*'] });
    expect(created.status).toBe(201);
    const answer = await api('PATCH', `/v1/endpoints/${created.body.id}`, {
      url: 'http://169.254.169.254/latest',
      eventTypes: ['digitax.nope'],
      name: '',
    });
    expect(answer.status).toBe(400);
    expect(Object.keys(fields(answer)).sort()).toEqual(['eventTypes[0]', 'name', 'url']);
    expect((await api('GET', `/v1/endpoints/${created.body.id}`)).body.url).toBe('https://example.com/ok');
  });

  it('a source: provider rules and the DTO rules in one 400', async () => {
    const answer = await api('POST', '/v1/sources', { provider: 'digitax', name: '', secret: 'a-digitax-secret' });
    expect(answer.status).toBe(400);
    expect(Object.keys(fields(answer)).sort()).toEqual(['name', 'secret']);
    const qerko = await api('POST', '/v1/sources', {
      provider: 'qerko',
      name: 'Qerko',
      secret: 'short',
      config: { apiBaseUrl: 'http://127.0.0.2:1/api', posId: 'not-a-uuid' },
    });
    expect(qerko.status).toBe(400);
    expect(Object.keys(fields(qerko)).sort()).toEqual(['config.apiBaseUrl', 'config.posId', 'secret']);
    expect((await api('GET', '/v1/sources')).body.data).toEqual([]);
  });

  it('a replay: the window, the event types and the DTO rules in one 400', async () => {
    const endpoint = await api('POST', '/v1/endpoints', { url: 'https://example.com/replayed', eventTypes: ['*'] });
    const answer = await api('POST', `/v1/endpoints/${endpoint.body.id}/replay`, {
      since: '2026-01-01T00:00:00.000Z',
      until: '2025-01-01T00:00:00.000Z',
      eventTypes: ['kaynko.sale.*', 'qerko.none.*', 7],
    });
    expect(answer.status).toBe(400);
    expect(Object.keys(fields(answer)).sort()).toEqual(['eventTypes', 'until']);
    const window = await api('POST', `/v1/endpoints/${endpoint.body.id}/replay`, {
      since: '2025-01-01T00:00:00.000Z',
      until: '2026-01-01T00:00:00.000Z',
      eventTypes: ['kaynko.sale.*', 'qerko.none.*'],
    });
    expect(fields(window)).toEqual({
      since: 'the window may span at most 31 days',
      'eventTypes[1]': 'no event types under "qerko.none"',
    });
  });
});
