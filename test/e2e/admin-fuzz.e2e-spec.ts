import fc from 'fast-check';
import { GatewayProcesses, call, expectAnswerInSpec } from '@gateway/testing';

const RUNS = Number(process.env['ADMIN_FUZZ_RUNS'] ?? 2000);

type Schema = {
  type?: string;
  enum?: unknown[];
  format?: string;
  $ref?: string;
  items?: Schema;
  properties?: Record<string, Schema>;
  allOf?: Schema[];
};
type Parameter = { name: string; in: 'path' | 'query' | 'header'; schema?: Schema };
type Operation = { method: string; path: string; operator: boolean; params: Parameter[]; body: Schema | null };

/** Strings a hostile client sends: any code units, reserved characters, dates that do not exist, huge ones. */
const hostileString = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((u) => String.fromCharCode(u)), maxLength: 8 }),
  fc.constantFrom(
    '',
    ' ',
    '\u0000',
    '\ud800',
    '../../etc/passwd',
    '2026-02-30T00:00:00Z',
    '0000-01-01T00:00:00Z',
    '2026-W01-1',
    '275760-09-13T00:00:00.001Z',
    '-1',
    '1e400',
    'NaN',
    'null',
    'true',
    '[]',
    '{}',
    "' OR 1=1 --",
    'a'.repeat(5000),
    'evt_' + '0'.repeat(32),
    'https://169.254.169.254/latest',
    'http://[::127.0.0.1]/',
  ),
);

/** A tampered pagination cursor: base64url of anything, or of a sort key with a bad part. */
const cursor = fc.oneof(
  hostileString,
  fc.json().map((json) => Buffer.from(json).toString('base64url')),
  fc
    .constantFrom(['\u0000'], ['2026-02-30T00:00:00Z', 'evt_1'], ['x'.repeat(500)], [1], [null], ['', ''], [[]])
    .map((parts) => Buffer.from(JSON.stringify(parts)).toString('base64url')),
);

const scalar = fc.oneof(
  hostileString,
  fc.integer(),
  fc.double(),
  fc.constantFrom(Number.MAX_SAFE_INTEGER + 2, -0, 1e308),
  fc.boolean(),
  fc.constant(null),
);
const anyValue = fc.oneof(
  { weight: 4, arbitrary: scalar },
  { weight: 1, arbitrary: fc.array(scalar, { maxLength: 4 }) },
  { weight: 1, arbitrary: fc.dictionary(hostileString, scalar, { maxKeys: 4 }) },
);

/** A value for a schema: mostly of its type (an enum member, a real id), sometimes anything at all. */
function valueFor(schema: Schema | undefined, spec: any, realIds: string[], depth = 0): fc.Arbitrary<unknown> {
  const resolved = resolve(schema, spec);
  if (!resolved || depth > 3) return anyValue;
  let typed: fc.Arbitrary<unknown>;
  if (resolved.enum) typed = fc.constantFrom(...resolved.enum);
  else if (resolved.type === 'integer' || resolved.type === 'number')
    typed = fc.oneof(fc.integer({ min: -10, max: 100_000 }), fc.constantFrom(1e400 as number, 2 ** 53, 0.5));
  else if (resolved.type === 'boolean') typed = fc.boolean();
  else if (resolved.type === 'array')
    typed = fc.array(valueFor(resolved.items, spec, realIds, depth + 1), { maxLength: 5 });
  else if (resolved.type === 'object' || resolved.properties) typed = objectFor(resolved, spec, realIds, depth + 1);
  else
    typed = fc.oneof(
      hostileString,
      fc.constantFrom(...realIds),
      fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
    );
  return fc.oneof({ weight: 4, arbitrary: typed }, { weight: 1, arbitrary: anyValue });
}

function objectFor(schema: Schema, spec: any, realIds: string[], depth: number): fc.Arbitrary<unknown> {
  const properties = Object.entries(schema.properties ?? {});
  if (!properties.length) return fc.dictionary(hostileString, anyValue, { maxKeys: 4 });
  return fc.record(Object.fromEntries(properties.map(([name, s]) => [name, valueFor(s, spec, realIds, depth)])), {
    requiredKeys: [],
  });
}

function resolve(schema: Schema | undefined, spec: any): Schema | undefined {
  if (!schema) return undefined;
  if (schema.$ref) return resolve(spec.components.schemas[schema.$ref.split('/').pop()!] as Schema, spec);
  if (schema.allOf?.length === 1) return resolve(schema.allOf[0], spec);
  return schema;
}

/** Encodes any string for a URL, lone surrogates included (as U+FFFD, which is what a client can send). */
const encode = (text: string) => encodeURIComponent(text.replace(/\p{Cs}/gu, '\ufffd'));

/** A raw body: the schema's shape, any JSON, deep nesting, a non-object, or bytes that are not JSON. */
function bodyFor(op: Operation, spec: any, realIds: string[]): fc.Arbitrary<string | undefined> {
  if (!['POST', 'PATCH', 'PUT'].includes(op.method)) return fc.constant(undefined);
  const stringify = (value: unknown) => JSON.stringify(value, (_, v: unknown) => (v === undefined ? null : v));
  return fc.oneof(
    { weight: 6, arbitrary: valueFor(op.body ?? { type: 'object' }, spec, realIds).map(stringify) },
    { weight: 1, arbitrary: fc.json() },
    {
      weight: 1,
      arbitrary: fc
        .integer({ min: 30, max: 20_000 })
        .chain((depth) =>
          fc.constantFrom(
            '{"a":'.repeat(depth) + '1' + '}'.repeat(depth),
            '['.repeat(depth) + ']'.repeat(depth),
            '{"name":' + '['.repeat(depth) + ']'.repeat(depth) + '}',
          ),
        ),
    },
    {
      weight: 1,
      arbitrary: fc.constantFrom('', 'null', '[]', '"x"', '1', '{', '{"a":1,}', '\u0000', '{"a":"\\ud800"}'),
    },
  );
}

/**
 * Every admin route as a hostile client calls it, the OpenAPI document giving the shapes: tampered cursors, random and
 * real ids, values of every type where another is expected, deep nesting. The answer is never a 5xx, always one the
 * document declares for the operation (its status, its schema: refusals in the one error shape); the bridge's reply
 * route refuses in the one shape likewise.
 */
describe('admin API under generated hostile requests (property-based, from the OpenAPI document)', () => {
  jest.setTimeout(600_000);
  const gateway = new GatewayProcesses({ ADMIN_API_RATE_LIMIT_PER_KEY: '1000000' });
  let admin: string;
  let key: string;
  let operations: Operation[];
  let spec: any;
  const realIds: string[] = [];

  beforeAll(async () => {
    await gateway.start(['admin-api', 'qerko-bridge']);
    admin = gateway.url('admin-api');
    const tenant = (await call('POST', `${admin}/v1/tenants`, { key: gateway.operatorKey, body: { name: 'Fuzz' } }))
      .body;
    const apiKey = (
      await call('POST', `${admin}/v1/tenants/${tenant.id}/api-keys`, { key: gateway.operatorKey, body: { name: 'k' } })
    ).body;
    key = apiKey.key;
    const source = (await call('POST', `${admin}/v1/sources`, { key, body: { provider: 'kaynko', name: 'Shop' } }))
      .body;
    const endpoint = (
      await call('POST', `${admin}/v1/endpoints`, {
        key,
        body: { url: 'https://example.com/hook', eventTypes: ['kaynko.*'] },
      })
    ).body;
    // Another key's id for the key routes: regenerating the fuzz's own key would leave it refused from then on.
    const other = (
      await call('POST', `${admin}/v1/tenants/${tenant.id}/api-keys`, { key: gateway.operatorKey, body: { name: 'o' } })
    ).body;
    realIds.push(tenant.id, other.id, source.id, endpoint.id);

    spec = (await call('GET', `${admin}/docs-json`)).body;
    operations = Object.entries(spec.paths as Record<string, Record<string, any>>).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, op]) => ({
        method: method.toUpperCase(),
        path,
        operator: ['Tenants', 'API keys'].includes(op.tags?.[0]),
        params: (op.parameters ?? []) as Parameter[],
        body: op.requestBody?.content?.['application/json']?.schema ?? null,
      })),
    );
    expect(operations.length).toBeGreaterThan(30);
  });

  afterAll(async () => {
    expect(gateway.services.get('admin-api')!.process.exitCode).toBeNull();
    await gateway.stop();
  });

  const request = fc.integer({ min: 0, max: 10_000 }).chain((i) => {
    const op = operations[i % operations.length]!;
    const pathParams = op.params.filter((p) => p.in === 'path');
    const queryParams = op.params.filter((p) => p.in === 'query');
    return fc.record({
      op: fc.constant(op),
      path: fc.tuple(
        ...pathParams.map(() =>
          // Never a real id for a DELETE: the fuzz keeps its tenant, key, source and endpoint.
          op.method === 'DELETE' ? hostileString : fc.oneof(fc.constantFrom(...realIds), hostileString),
        ),
      ),
      query: fc.array(
        fc.oneof(
          ...queryParams.map((p) =>
            fc
              .oneof(
                p.name === 'cursor' ? cursor : valueFor(p.schema, spec, realIds),
                fc.constant(undefined).map(() => p.schema?.enum?.[0] ?? ''),
              )
              .map((v) => [p.name, typeof v === 'string' ? v : JSON.stringify(v)] as const),
          ),
          hostileString.map((name) => [name, 'x'] as const),
        ),
        { maxLength: 4 },
      ),
      rawQuery: fc.constantFrom('', '&%zz', '&limit=%ff', '&cursor=%c0%af', '&since=%ed%a0%80'),
      body: bodyFor(op, spec, realIds),
    });
  });

  it(`${RUNS} generated requests over every route — never a 5xx, every answer one the document declares`, async () => {
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(request, async ({ op, path, query, rawQuery, body }) => {
        let i = 0;
        const url =
          admin +
          op.path.replace(/\{[^}]+\}/g, () => encode(path[i++] as string)) +
          '?' +
          query.map(([k, v]) => `${encode(k)}=${encode(v)}`).join('&') +
          rawQuery;
        const headers: Record<string, string> = {
          authorization: `Bearer ${op.operator ? gateway.operatorKey : key}`,
        };
        if (body !== undefined) headers['content-type'] = 'application/json';
        const res = await fetch(url, { method: op.method, headers, body });
        const text = await res.text();
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        if (res.status >= 500) {
          throw new Error(`${op.method} ${url} ${body?.slice(0, 200) ?? ''} → ${res.status} ${text.slice(0, 300)}`);
        }
        // Every answer, refusals included, is one the document declares for the operation, in the one error shape.
        let parsed: unknown = text;
        try {
          parsed = text ? JSON.parse(text) : null;
        } catch {
          /* not JSON: the check names the media type */
        }
        await expectAnswerInSpec({ method: op.method, url, status: res.status, headers: res.headers, body: parsed });
        if (res.status >= 400) {
          expect(parsed).toEqual({ error: expect.objectContaining({ status: res.status, code: expect.any(String) }) });
        }
      }),
      { numRuns: RUNS },
    );
    // The fuzz reached both refusals and answers.
    expect([...statuses.keys()].some((s) => s < 300)).toBe(true);
    expect([...statuses.keys()].some((s) => s === 400)).toBe(true);
  });

  it('refuses a deeply nested body at the Qerko bridge with 400, like ingest and admin-api', async () => {
    for (const depth of [33, 1000, 20_000]) {
      const res = await call('POST', `${gateway.url('qerko-bridge')}/v1/qerko/replies`, {
        key,
        rawBody: '{"uuid":' + '['.repeat(depth) + ']'.repeat(depth) + '}',
        headers: { 'content-type': 'application/json' },
      });
      expect([depth, res.status, res.body.error?.code]).toEqual([depth, 400, 'invalid_json']);
    }
  });
});
