import fc from 'fast-check';
import { GatewayProcesses, KAYNKO_EXAMPLES, Receiver, call, eventually } from '@gateway/testing';

const RUNS = Number(process.env['STORABLE_RUNS'] ?? 400);

const hex4 = (unit: number) => unit.toString(16).padStart(4, '0');

/** One piece of a JSON string literal's text: any escape of any UTF-16 unit (NUL and lone surrogates too), or raw. */
const piece = fc.oneof(
  fc.integer({ min: 0, max: 0xffff }).map((unit) => `\\u${hex4(unit)}`),
  fc.constantFrom('\\u0000', '\\ud800', '\\udfff', '\\ud83d\\ude00', '\\udbff\\udfff', '\\ude00\\ud83d'),
  fc.constantFrom('\\"', '\\\\', '\\/', '\\b', '\\f', '\\n', '\\r', '\\t'),
  fc
    .integer({ min: 0x20, max: 0x10ffff })
    .filter((cp) => cp !== 0x22 && cp !== 0x5c && (cp < 0xd800 || cp > 0xdfff))
    .map((cp) => String.fromCodePoint(cp)),
  fc.integer({ min: 0x10000, max: 0x10ffff }).map((cp) => {
    const pair = String.fromCodePoint(cp);
    return `\\u${hex4(pair.charCodeAt(0))}\\u${hex4(pair.charCodeAt(1))}`;
  }),
);
const literal = fc.array(piece, { maxLength: 12 }).map((pieces) => `"${pieces.join('')}"`);
const number = fc.oneof(
  fc.constantFrom('1e400', '-1e400', '1e308', '1E-400', '123456789012345678901234567890', '0.1'),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((n) => JSON.stringify(n)),
);

/** A Kaynko sale whose customer name is the generated literal, with the literal also as a key of an extra object. */
const body = fc.record({ name: literal, key: literal, amount: number }).map(({ name, key, amount }) => {
  const text = JSON.stringify({
    ...KAYNKO_EXAMPLES['sale.completed'],
    data: { ...KAYNKO_EXAMPLES['sale.completed'].data, customerName: '@NAME@', extra: { '@KEY@': '@AMOUNT@' } },
  });
  return text
    .replace('"@NAME@"', () => name)
    .replace('"@KEY@"', () => key)
    .replace('"@AMOUNT@"', () => amount);
});

/**
 * Anything ingest answers 202 is stored and delivered: bodies with every escape of every UTF-16 unit, raw code
 * points, NUL, lone and reversed surrogates and out-of-range numbers either get 400 `invalid_json`, or reach the
 * endpoint with the very value sent and are listed by the admin API. Before ingest refused lone surrogates, fan-out
 * could not store such an event (PostgreSQL's jsonb refuses `\ud800`), dead-lettered it, and it was never delivered.
 */
describe('ingest accepts only what can be stored and delivered (property-based, real Kafka and PostgreSQL)', () => {
  jest.setTimeout(300_000);
  const gateway = new GatewayProcesses({ INGEST_RATE_LIMIT_PER_SOURCE: '1000000' });
  const receiver = new Receiver();
  let key: string;
  let ingestUrl: string;

  beforeAll(async () => {
    await Promise.all([gateway.start(['admin-api', 'ingest', 'fanout']), receiver.start()]);
    const admin = gateway.url('admin-api');
    const tenant = await call('POST', `${admin}/v1/tenants`, { key: gateway.operatorKey, body: { name: 'Escapes' } });
    key = (
      await call('POST', `${admin}/v1/tenants/${tenant.body.id}/api-keys`, {
        key: gateway.operatorKey,
        body: { name: 'k' },
      })
    ).body.key;
    ingestUrl = (await call('POST', `${admin}/v1/sources`, { key, body: { provider: 'kaynko', name: 'Shop' } })).body
      .ingestUrl;
    await call('POST', `${admin}/v1/endpoints`, { key, body: { url: receiver.url(), eventTypes: ['kaynko.*'] } });
  });

  afterAll(async () => {
    await gateway.stop();
    await receiver.stop();
  });

  it(`${RUNS} generated bodies: 400 invalid_json, or delivered with the value sent — never 202 then lost`, async () => {
    const accepted = new Map<string, { customerName: unknown; extra: unknown }>();
    let refused = 0;
    await fc.assert(
      fc.asyncProperty(body, async (text) => {
        const res = await call('POST', ingestUrl, {
          rawBody: Buffer.from(text, 'utf8'),
          headers: { 'content-type': 'application/json', 'x-kaynko-event': 'sale.completed' },
        });
        if (res.status === 202) {
          const { data } = JSON.parse(text) as { data: { customerName: unknown; extra: unknown } };
          accepted.set(res.body.id as string, { customerName: data.customerName, extra: data.extra });
        } else {
          expect([res.status, res.body.error?.code]).toEqual([400, 'invalid_json']);
          refused++;
        }
      }),
      { numRuns: RUNS },
    );
    // Both outcomes occur, so the property says something.
    expect(accepted.size).toBeGreaterThan(RUNS / 10);
    expect(refused).toBeGreaterThan(RUNS / 10);

    const delivered = new Map<string, unknown>();
    await eventually(() => {
      for (const r of receiver.requests)
        delivered.set(r.headers['webhook-id'] as string, JSON.parse(r.body.toString()));
      return Promise.resolve([...accepted.keys()].every((id) => delivered.has(id)));
    }, 60_000);
    for (const [id, sent] of accepted) {
      expect((delivered.get(id) as { data: unknown }).data).toMatchObject(sent);
      const listed = await call('GET', `${gateway.url('admin-api')}/v1/events/${id}`, { key });
      expect([id, listed.status]).toEqual([id, 200]);
    }
  });
});
