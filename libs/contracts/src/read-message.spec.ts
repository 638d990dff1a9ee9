import { readCanonicalEvent } from './canonical-event';
import { readConfigChange } from './config-change';
import { readQerkoReply } from './providers/qerko';

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

describe('readCanonicalEvent (a Kafka record to a canonical event)', () => {
  it('returns a valid event as sent, extra fields and nested data included', () => {
    const event = { ...valid, occurredAt: '2026-11-23T09:59:00Z', extra: 1 };
    expect(readCanonicalEvent(record(event))).toEqual(event);
  });

  it.each([
    ['an empty record', null, 'empty record'],
    ['bytes that are not JSON', record('{"schema":'), 'not valid JSON'],
    ['a JSON array', record([valid]), 'not a JSON object'],
  ])('rejects %s', (_, value, reason) => {
    expect(readCanonicalEvent(value)).toBe(reason);
  });

  it.each([
    ['a bad id', { id: 'nope' }, 'id'],
    ['another schema', { schema: 'canonical-event.v2' }, 'schema'],
    ['an unknown provider', { provider: 'acme' }, 'provider'],
    ['a receivedAt that is not ISO 8601', { receivedAt: 'yesterday' }, 'receivedAt'],
    ['data that is not an object', { data: 'x' }, 'data'],
  ])('rejects an event with %s, naming the field', (_, change, field) => {
    const reason = readCanonicalEvent(record({ ...valid, ...change }));
    expect(reason).toEqual(expect.stringContaining('not a canonical-event.v1'));
    expect(reason).toEqual(expect.stringContaining(field));
  });

  it('rejects a missing field', () => {
    const { tenantId: _, ...rest } = valid;
    expect(readCanonicalEvent(record(rest))).toEqual(expect.stringContaining('tenantId'));
  });

  it('is not fooled by a __proto__ key into skipping the rules', () => {
    // JSON.parse makes "__proto__" an own property; copied with Object.assign it would replace the prototype, and
    // class-validator would find no rules to apply.
    const raw = `{"__proto__":{},${JSON.stringify({ ...valid, id: 'nope' }).slice(1)}`;
    expect(readCanonicalEvent(Buffer.from(raw))).toEqual(expect.stringContaining('id'));
  });
});

describe('readQerkoReply (a Kafka record to a POS answer handed to the bridge)', () => {
  const reply = {
    schema: 'qerko-reply.v1',
    tenantId: 'ten_1',
    uuid: '3b8f3a52-9a8e-4c54-9c2a-2f4f1a7f0c11',
    answer: { result: { id: 'B-17' } },
    at: '2026-12-03T10:00:00.000Z',
  };

  it.each([
    ['a result', { result: null }],
    ['an error', { error: { code: 'BILL_NOT_FOUND', message: 'No such bill' } }],
  ])('returns a reply carrying %s', (_, answer) => {
    expect(readQerkoReply(record({ ...reply, answer }))).toEqual({ ...reply, answer });
  });

  it.each([
    ['JSON null', 'null', 'not a JSON object'],
    ['a JSON string', '"x"', 'not a JSON object'],
  ])('rejects %s', (_, value, reason) => {
    expect(readQerkoReply(Buffer.from(value))).toBe(reason);
  });

  it.each([
    ['an answer that is neither result nor error', { answer: { error: 'no' } }, 'answer'],
    ['an answer that is not an object', { answer: 'ok' }, 'answer'],
    ['a uuid that is not an identifier', { uuid: 'x y' }, 'uuid'],
    ['no tenant', { tenantId: '' }, 'tenantId'],
    ['another schema', { schema: 'qerko-reply.v2' }, 'schema'],
  ])('rejects a reply with %s, naming the field', (_, change, field) => {
    const reason = readQerkoReply(record({ ...reply, ...change }));
    expect(reason).toEqual(expect.stringMatching(new RegExp(`^not a qerko-reply\\.v1: .*${field}`)));
  });
});

describe('readConfigChange', () => {
  const change = {
    schema: 'config-change.v1',
    entity: 'endpoint',
    id: 'ep_1',
    tenantId: 'ten_1',
    op: 'deleted',
    at: '2026-12-03T10:00:00.000Z',
  };

  it('returns a valid change', () => {
    expect(readConfigChange(record(change))).toEqual(change);
  });

  it('rejects an unknown entity, naming it', () => {
    expect(readConfigChange(record({ ...change, entity: 'shop' }))).toEqual(expect.stringContaining('entity'));
  });
});
