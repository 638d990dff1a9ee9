import { CANONICAL_EVENT_SCHEMA, type CanonicalEventV1 } from './canonical-event';
import { compileOrdering, describeLane, orderingKeyProblem } from './endpoint-ordering';

const event = (data: Record<string, unknown>): CanonicalEventV1 => ({
  schema: CANONICAL_EVENT_SCHEMA,
  id: 'evt_1',
  type: 'kaynko.sale.completed',
  provider: 'kaynko',
  sourceId: 'src_A',
  tenantId: 'ten_1',
  receivedAt: '2026-12-04T10:00:00.000Z',
  occurredAt: '2026-12-04T10:00:00.000Z',
  data,
});

describe('endpoint ordering', () => {
  it('names a lane per key value within the source, and falls back to the source without a usable value', () => {
    const lane = compileOrdering('key', '/data/saleId')!;
    expect(lane(event({ saleId: 42 }))).toBe('k:src_A:42');
    expect(lane(event({ saleId: 'S-1' }))).toBe('k:src_A:S-1');
    expect(lane(event({ saleId: true }))).toBe('k:src_A:true');
    for (const data of [{}, { saleId: null }, { saleId: { id: 1 } }, { saleId: [1] }]) {
      expect(lane(event(data))).toBe('s:src_A');
    }
  });

  it('follows RFC 6901: escapes and array indexes', () => {
    expect(compileOrdering('key', '/data/a~1b/c~0d')!(event({ 'a/b': { 'c~d': 'x' } }))).toBe('k:src_A:x');
    expect(compileOrdering('key', '/data/items/1/sku')!(event({ items: [{ sku: 'a' }, { sku: 'b' }] }))).toBe(
      'k:src_A:b',
    );
    expect(compileOrdering('key', '/data/items/01/sku')!(event({ items: [{ sku: 'a' }, { sku: 'b' }] }))).toBe(
      's:src_A',
    );
  });

  it('names long values by their first 200 characters and their length', () => {
    const lane = compileOrdering('key', '/data/k')!(event({ k: 'x'.repeat(500) }));
    expect(lane).toBe(`k:src_A:${'x'.repeat(200)}…(500)`);
  });

  it('orders by source, or not at all', () => {
    expect(compileOrdering('source', null)!(event({ saleId: 1 }))).toBe('s:src_A');
    expect(compileOrdering('none', null)).toBeNull();
  });

  it('refuses pointers that are not JSON Pointers into the event', () => {
    expect(orderingKeyProblem('/data/saleId')).toBeNull();
    expect(orderingKeyProblem('/sourceId')).toBeNull();
    expect(orderingKeyProblem('data.saleId')).toMatch(/JSON Pointer/);
    expect(orderingKeyProblem('/payload/saleId')).toMatch(/no field of the event/);
    expect(orderingKeyProblem('/data/a~2')).toMatch(/~0/);
    expect(orderingKeyProblem(`/data/${'a'.repeat(300)}`)).toMatch(/256/);
  });

  it('reads lanes back into their source and key, replays included', () => {
    expect(describeLane('k:src_A:S:1')).toEqual({ sourceId: 'src_A', key: 'S:1' });
    expect(describeLane('s:src_A')).toEqual({ sourceId: 'src_A', key: null });
    expect(describeLane('r:rpl_1:k:src_A:7')).toEqual({ sourceId: 'src_A', key: '7' });
  });
});
