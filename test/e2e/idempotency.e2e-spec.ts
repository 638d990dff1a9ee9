import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { GatewayProcesses, call, testInfra } from '@gateway/testing';

/**
 * `Idempotency-Key` on the admin API's POSTs (docs/api.md, "Idempotent requests"), against two admin-api instances
 * on the real database: a retry gets the first answer and creates nothing, whichever instance it reaches and however
 * many arrive at once.
 */
describe('Idempotency-Key on admin POSTs (two admin-api instances, real Postgres)', () => {
  jest.setTimeout(120_000);
  const gateway = new GatewayProcesses();
  let admins: string[];
  let tenantId: string;
  let key: string;
  let db: Client;

  beforeAll(async () => {
    await gateway.start(['admin-api']);
    admins = [gateway.url('admin-api'), (await gateway.startExtra('admin-api')).url];
    ({ tenantId, key } = await gateway.tenantWithKey('idempotency'));
    db = new Client({ connectionString: testInfra().databaseUrl });
    await db.connect();
  });
  afterAll(async () => {
    await db?.end();
    await gateway.stop();
  });

  const post = (path: string, body: unknown, idempotencyKey: string, options: { admin?: number; key?: string } = {}) =>
    call('POST', `${admins[options.admin ?? 0]}${path}`, {
      key: options.key ?? key,
      body,
      headers: { 'idempotency-key': idempotencyKey },
    });
  const sourcesNamed = async (name: string) => {
    const { rows } = await db.query('SELECT id FROM sources WHERE tenant_id = $1 AND name = $2', [tenantId, name]);
    return rows.map((r: { id: string }) => r.id);
  };

  it('a retry with the same key and body gets the first answer again and creates nothing', async () => {
    const ik = randomUUID();
    const body = { provider: 'kaynko', name: `retried ${ik}` };
    const first = await post('/v1/sources', body, ik);
    expect(first.status).toBe(201);
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    // Same body with its keys in another order, on the other instance.
    const again = await post('/v1/sources', { name: body.name, provider: 'kaynko' }, ik, { admin: 1 });
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body).toEqual(first.body);
    expect(await sourcesNamed(body.name)).toEqual([first.body.id]);
  });

  it('the same key with a different request is 409 idempotency_key_reused and changes nothing', async () => {
    const ik = randomUUID();
    const created = await post('/v1/sources', { provider: 'kaynko', name: `first ${ik}` }, ik);
    expect(created.status).toBe(201);
    const reused = await post('/v1/sources', { provider: 'kaynko', name: `second ${ik}` }, ik);
    expect(reused.status).toBe(409);
    expect(reused.body.error.code).toBe('idempotency_key_reused');
    expect(await sourcesNamed(`second ${ik}`)).toEqual([]);
    // Another path with the key is another request too.
    const elsewhere = await post(`/v1/sources/${created.body.id}/rotate-token`, undefined, ik);
    expect(elsewhere.status).toBe(409);
    expect(elsewhere.body.error.code).toBe('idempotency_key_reused');
  });

  it('refuses a key over 255 characters, naming the header; 255 are accepted', async () => {
    const tooLong = await post('/v1/sources', { provider: 'kaynko', name: 'long key' }, 'k'.repeat(256));
    expect(tooLong.status).toBe(400);
    expect(tooLong.body.error.details).toEqual([
      { field: 'Idempotency-Key', reason: 'must be at most 255 characters' },
    ]);
    expect(await sourcesNamed('long key')).toEqual([]);
    const longest = await post('/v1/sources', { provider: 'kaynko', name: `longest ${randomUUID()}` }, 'k'.repeat(255));
    expect(longest.status).toBe(201);
  });

  it('keys belong to one API key: another key with the same Idempotency-Key makes its own resource', async () => {
    const other = await call('POST', `${admins[0]}/v1/tenants/${tenantId}/api-keys`, {
      key: gateway.operatorKey,
      body: { name: 'second key' },
    });
    const ik = randomUUID();
    const name = `per key ${ik}`;
    const mine = await post('/v1/sources', { provider: 'kaynko', name }, ik);
    const theirs = await post('/v1/sources', { provider: 'kaynko', name }, ik, { key: other.body.key });
    expect([mine.status, theirs.status]).toEqual([201, 201]);
    expect(theirs.headers.get('idempotent-replayed')).toBeNull();
    expect((await sourcesNamed(name)).sort()).toEqual([mine.body.id, theirs.body.id].sort());
  });

  it('twenty concurrent retries over two instances create one resource, and all get its answer', async () => {
    const ik = randomUUID();
    const body = { provider: 'kaynko', name: `concurrent ${ik}` };
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) => post('/v1/sources', body, ik, { admin: i % 2 })),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(20).fill(201));
    const ids = new Set(answers.map((a) => a.body.id as string));
    expect(ids.size).toBe(1);
    expect(answers.filter((a) => a.headers.get('idempotent-replayed') === 'true')).toHaveLength(19);
    expect(await sourcesNamed(body.name)).toEqual([...ids]);
  });

  it('an error answer is not kept: the retry runs again, and may then succeed', async () => {
    const ik = randomUUID();
    const bad = await post('/v1/endpoints', { url: 'ftp://example.com/hook', eventTypes: ['*'] }, ik);
    expect(bad.status).toBe(400);
    const again = await post('/v1/endpoints', { url: 'ftp://example.com/hook', eventTypes: ['*'] }, ik);
    expect(again.status).toBe(400);
    expect(again.headers.get('idempotent-replayed')).toBeNull();
    // Nothing was kept for the key, so a corrected request may use it.
    const fixed = await post('/v1/endpoints', { url: 'https://example.com/hook', eventTypes: ['*'] }, ik);
    expect(fixed.status).toBe(201);
  });

  it('a repeated rotation without a body rotates once: the replayed answer holds the same new secret', async () => {
    const endpoint = await post(
      '/v1/endpoints',
      { url: 'https://example.com/rotated', eventTypes: ['*'] },
      randomUUID(),
    );
    const ik = randomUUID();
    const first = await post(`/v1/endpoints/${endpoint.body.id}/rotate-secret`, undefined, ik);
    const again = await post(`/v1/endpoints/${endpoint.body.id}/rotate-secret`, undefined, ik, { admin: 1 });
    expect([first.status, again.status]).toEqual([200, 200]);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body).toEqual(first.body);
    const current = await call('GET', `${admins[0]}/v1/endpoints/${endpoint.body.id}/secret`, { key });
    expect(current.body.secret).toBe(first.body.secret);
  });

  it('a key is remembered for 24 hours: once older, it is free for a new request', async () => {
    const ik = randomUUID();
    expect((await post('/v1/sources', { provider: 'kaynko', name: `day one ${ik}` }, ik)).status).toBe(201);
    await db.query(`UPDATE idempotency_keys SET created_at = now() - interval '24 hours 1 minute' WHERE key = $1`, [
      ik,
    ]);
    const next = await post('/v1/sources', { provider: 'kaynko', name: `day two ${ik}` }, ik);
    expect(next.status).toBe(201);
    expect(next.headers.get('idempotent-replayed')).toBeNull();
    expect(await sourcesNamed(`day two ${ik}`)).toEqual([next.body.id]);
  });

  it('a GET ignores the header; a POST without it is not idempotent', async () => {
    const ik = randomUUID();
    const list = await call('GET', `${admins[0]}/v1/sources`, { key, headers: { 'idempotency-key': ik } });
    expect(list.status).toBe(200);
    const name = `no key ${ik}`;
    await call('POST', `${admins[0]}/v1/sources`, { key, body: { provider: 'kaynko', name } });
    await call('POST', `${admins[0]}/v1/sources`, { key, body: { provider: 'kaynko', name } });
    expect(await sourcesNamed(name)).toHaveLength(2);
  });
});
