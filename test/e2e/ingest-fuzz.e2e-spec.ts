import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { DIGITAX_EXAMPLES, GatewayProcesses, KAYNKO_EXAMPLES, call } from '@gateway/testing';

const RUNS = Number(process.env['FUZZ_RUNS'] ?? 10_000);
const SECRET = 'fuzz-source-secret';
const KAYNKO_EVENTS = [...Object.keys(KAYNKO_EXAMPLES), 'ping'];

/** Hostile JSON-ish bodies: random JSON, mutated seed examples, deep nesting, pollution keys, huge numbers, bad bytes. */
const hostileValue = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.double(),
  fc.constantFrom(1e308, -1e308, Number.MAX_SAFE_INTEGER + 2, 0.1 + 0.2),
  fc.string(),
  fc.string({ unit: 'binary' }),
  fc.constantFrom('', '\u0000', '\ud800', '💸', 'DROP TABLE events;'),
  fc.array(fc.integer(), { maxLength: 3 }),
  fc.dictionary(fc.string(), fc.integer(), { maxKeys: 3 }),
);

function mutate(example: Record<string, unknown>) {
  return fc
    .record({
      field: fc.constantFrom(...Object.keys((example['data'] as object) ?? {}), '__proto__', 'constructor'),
      value: hostileValue,
      drop: fc.boolean(),
    })
    .map(({ field, value, drop }) => {
      const copy = JSON.parse(JSON.stringify(example)) as { data: Record<string, unknown> };
      if (drop) delete copy.data[field];
      else copy.data[field] = value;
      return JSON.stringify(copy);
    });
}

/** Bytes that are not UTF-8 (a lone continuation byte, an overlong form, a truncated sequence, 0xFF), inside JSON. */
const INVALID_UTF8 = [[0x80], [0xc0, 0xaf], [0xe2, 0x82], [0xff], [0xed, 0xa0, 0x80]].map((bytes) =>
  Buffer.concat([Buffer.from('{"event":"ping","data":{"note":"'), Buffer.from(bytes), Buffer.from('"}}')]),
);

/** Exact request bodies: text as real UTF-8 (emoji and all), raw bytes as they are. */
const rawBodies = (examples: Array<Record<string, unknown>>): fc.Arbitrary<Buffer> =>
  fc.oneof(
    {
      weight: 9,
      arbitrary: fc
        .oneof(
          { weight: 3, arbitrary: fc.oneof(...examples.map(mutate)) },
          { weight: 2, arbitrary: fc.json() },
          { weight: 1, arbitrary: fc.constantFrom(...examples.map((e) => JSON.stringify(e))) },
          {
            weight: 1,
            arbitrary: fc
              .integer({ min: 1, max: 5000 })
              .map((depth) => '{"event":"ping","data":' + '['.repeat(depth) + ']'.repeat(depth) + '}'),
          },
          {
            weight: 1,
            arbitrary: fc.constantFrom(
              '{"__proto__":{"admin":true},"event":"ping","data":{}}',
              '{"event":"ping","event":"sale.completed","data":{}}',
              '{"event":"ping","data":{"n":1e400}}',
              '{"constructor":{"prototype":{"x":1}},"event":"ping","data":{}}',
              '{"event":"ping","data":{"shop":"Mama Njeri 💸 ßüñ 漢字 \u202e"}}',
            ),
          },
          { weight: 1, arbitrary: fc.string({ unit: 'grapheme' }) },
        )
        .map((text) => Buffer.from(text, 'utf8')),
    },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 200 }).map((bytes) => Buffer.from(bytes)) },
    { weight: 1, arbitrary: fc.constantFrom(...INVALID_UTF8) },
  );

/** The body as JSON, as a strict reader sees it (undefined when it is not UTF-8 JSON). */
function jsonOf(body: Buffer): { event?: unknown } | undefined {
  try {
    return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(body)) as { event?: unknown };
  } catch {
    return undefined;
  }
}

describe('ingest under generated hostile input (property-based)', () => {
  jest.setTimeout(600_000);
  const gateway = new GatewayProcesses({ INGEST_RATE_LIMIT_PER_SOURCE: '1000000' });
  let kaynkoUrl: string;
  let digitaxUrl: string;

  beforeAll(async () => {
    await gateway.start(['admin-api', 'ingest']);
    const admin = gateway.url('admin-api');
    const tenant = await call('POST', `${admin}/v1/tenants`, { key: gateway.operatorKey, body: { name: 'Fuzz' } });
    const key = (
      await call('POST', `${admin}/v1/tenants/${tenant.body.id}/api-keys`, {
        key: gateway.operatorKey,
        body: { name: 'k' },
      })
    ).body.key;
    kaynkoUrl = (
      await call('POST', `${admin}/v1/sources`, { key, body: { provider: 'kaynko', name: 'K', secret: SECRET } })
    ).body.ingestUrl;
    digitaxUrl = (await call('POST', `${admin}/v1/sources`, { key, body: { provider: 'digitax', name: 'D' } })).body
      .ingestUrl;
  });

  afterAll(async () => {
    // The process never crashed and still serves.
    expect(gateway.services.get('ingest')!.process.exitCode).toBeNull();
    expect((await call('GET', `${gateway.url('ingest')}/health/ready`)).status).toBe(200);
    await gateway.stop();
  });

  it(`Kaynko: ${RUNS} generated requests — never a 5xx, 202 only when authentic and a known, matching event`, async () => {
    await fc.assert(
      fc.asyncProperty(
        rawBodies(Object.values(KAYNKO_EXAMPLES) as unknown as Array<Record<string, unknown>>),
        fc.constantFrom(...KAYNKO_EVENTS, 'sale.unknown', '', 'SALE.COMPLETED'),
        fc.constantFrom('valid', 'missing', 'wrong-secret', 'garbage', 'upper-case'),
        fc.constantFrom('application/json', 'application/json; charset=utf-8', 'text/plain', ''),
        async (body, event, signature, contentType) => {
          const valid = 'sha256=' + createHmac('sha256', SECRET).update(body).digest('hex');
          const headers: Record<string, string> = { 'x-kaynko-event': event };
          if (contentType) headers['content-type'] = contentType;
          if (signature === 'valid') headers['x-kaynko-signature'] = valid;
          if (signature === 'wrong-secret')
            headers['x-kaynko-signature'] = 'sha256=' + createHmac('sha256', 'other').update(body).digest('hex');
          if (signature === 'garbage') headers['x-kaynko-signature'] = 'sha256=zz';
          if (signature === 'upper-case') headers['x-kaynko-signature'] = valid.toUpperCase();
          const res = await call('POST', kaynkoUrl, { rawBody: body, headers });
          // On failure, the answer's body says which 5xx it was and why.
          expect({ status: res.status < 500 ? 'below 500' : res.status, body: res.body }).toMatchObject({
            status: 'below 500',
          });
          if (res.status === 202) {
            expect(signature).toBe('valid');
            expect(jsonOf(body)?.event).toBe(event);
            expect(KAYNKO_EVENTS).toContain(event);
          } else {
            expect(res.body).toEqual({
              error: expect.objectContaining({ status: res.status, code: expect.any(String) }),
            });
          }
        },
      ),
      { numRuns: RUNS },
    );
  });

  it(`DigiTax: ${RUNS} generated requests — never a 5xx, 202 only with the right token and a known event`, async () => {
    const token = new URL(digitaxUrl).searchParams.get('token')!;
    const base = digitaxUrl.split('?')[0]!;
    await fc.assert(
      fc.asyncProperty(
        rawBodies(Object.values(DIGITAX_EXAMPLES) as unknown as Array<Record<string, unknown>>),
        fc.constantFrom('valid', 'missing', 'wrong', 'prefix', 'twice'),
        async (body, tokenCase) => {
          const query =
            tokenCase === 'valid'
              ? `?token=${token}`
              : tokenCase === 'wrong'
                ? '?token=nope'
                : tokenCase === 'prefix'
                  ? `?token=${token.slice(0, -1)}`
                  : tokenCase === 'twice'
                    ? `?token=${token}&token=${token}`
                    : '';
          const res = await call('POST', `${base}${query}`, {
            rawBody: body,
            headers: { 'content-type': 'application/json' },
          });
          // On failure, the answer's body says which 5xx it was and why.
          expect({ status: res.status < 500 ? 'below 500' : res.status, body: res.body }).toMatchObject({
            status: 'below 500',
          });
          if (res.status === 202) {
            expect(tokenCase).toBe('valid');
            expect(['item.sync', 'sale.sync']).toContain(jsonOf(body)?.event);
          }
        },
      ),
      { numRuns: RUNS },
    );
  });
});
