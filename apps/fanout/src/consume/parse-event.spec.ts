import { parseEvent } from './events-consumer';

const valid = {
  schema: 'canonical-event.v1',
  id: 'evt_0123456789abcdef',
  type: 'kaynko.sale.completed',
  provider: 'kaynko',
  sourceId: 'src_1',
  tenantId: 'ten_1',
  receivedAt: '2026-11-23T10:00:00.000Z',
  occurredAt: null,
  data: { sale: { id: 's1', items: [{ sku: 'a', qty: 1 }] } },
};

const record = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value));

describe('parseEvent (a Kafka record to a canonical event)', () => {
  it('returns a valid event as sent, extra fields and nested data included', () => {
    const event = { ...valid, occurredAt: '2026-11-23T09:59:00Z', extra: 1 };
    expect(parseEvent(record(event))).toEqual(event);
  });

  it.each([
    ['an empty record', null, 'empty record'],
    ['bytes that are not JSON', record('{"schema":'), 'not valid JSON'],
    ['a JSON array', record([valid]), 'not a JSON object'],
  ])('rejects %s', (_, value, reason) => {
    expect(parseEvent(value)).toBe(reason);
  });

  it.each([
    ['a bad id', { id: 'nope' }, 'id'],
    ['another schema', { schema: 'canonical-event.v2' }, 'schema'],
    ['an unknown provider', { provider: 'acme' }, 'provider'],
    ['a receivedAt that is not ISO 8601', { receivedAt: 'yesterday' }, 'receivedAt'],
    ['data that is not an object', { data: 'x' }, 'data'],
  ])('rejects an event with %s, naming the field', (_, change, field) => {
    const reason = parseEvent(record({ ...valid, ...change }));
    expect(reason).toEqual(expect.stringContaining('not a canonical-event.v1'));
    expect(reason).toEqual(expect.stringContaining(field));
  });

  it('rejects a missing field', () => {
    const { tenantId: _, ...rest } = valid;
    expect(parseEvent(record(rest))).toEqual(expect.stringContaining('tenantId'));
  });

  it('is not fooled by a __proto__ key into skipping the rules', () => {
    // JSON.parse makes "__proto__" an own property; copied with Object.assign it would replace the prototype, and
    // class-validator would find no rules to apply.
    const raw = `{"__proto__":{},${JSON.stringify({ ...valid, id: 'nope' }).slice(1)}`;
    expect(parseEvent(Buffer.from(raw))).toEqual(expect.stringContaining('id'));
  });
});
