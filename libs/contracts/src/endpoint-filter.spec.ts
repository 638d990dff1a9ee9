import { CANONICAL_EVENT_SCHEMA, CanonicalEventV1 } from './canonical-event';
import { EndpointFilter, compileEndpointFilter, endpointFilterProblems } from './endpoint-filter';

const sale = (data: Record<string, unknown>, type = 'kaynko.sale.completed'): CanonicalEventV1 => ({
  schema: CANONICAL_EVENT_SCHEMA,
  id: 'evt_1',
  type,
  provider: 'kaynko',
  sourceId: 'src_1',
  tenantId: 'ten_1',
  receivedAt: '2026-12-04T10:00:00.000Z',
  occurredAt: null,
  data,
});

const matches = (filter: EndpointFilter, event: CanonicalEventV1) => {
  expect(endpointFilterProblems(filter)).toEqual([]);
  return compileEndpointFilter(filter)(event);
};

describe('endpoint filters: evaluation', () => {
  const card = sale({ total: 250, paymentMethod: 'card', items: [{ sku: 'A-1' }, { sku: 'B-2' }], note: 'VIP order' });
  const cash = sale({ total: 40, paymentMethod: 'cash', items: [{ sku: 'C-3' }] });

  it("matches the issue's example: card or mobile money sales of 100 or more", () => {
    const filter = { 'data.total': { $gte: 100 }, 'data.paymentMethod': { $in: ['card', 'mobile_money'] } };
    expect(matches(filter, card)).toBe(true);
    expect(matches(filter, cash)).toBe(false);
    expect(matches(filter, sale({ total: 250, paymentMethod: 'cash' }))).toBe(false);
  });

  it.each<[string, EndpointFilter, boolean, boolean]>([
    ['a value is equality', { 'data.paymentMethod': 'card' }, true, false],
    ['$eq / $ne', { 'data.paymentMethod': { $ne: 'card' } }, false, true],
    ['$gt / $lt together', { 'data.total': { $gt: 40, $lt: 300 } }, true, false],
    ['$lte', { 'data.total': { $lte: 40 } }, false, true],
    ['$nin', { 'data.paymentMethod': { $nin: ['cash'] } }, true, false],
    ['$exists', { 'data.note': { $exists: true } }, true, false],
    ['$exists false', { 'data.note': { $exists: false } }, false, true],
    ['$startsWith', { 'data.note': { $startsWith: 'VIP' } }, true, false],
    ['a path through an array matches any element', { 'data.items.sku': 'B-2' }, true, false],
    ['an array index', { 'data.items.0.sku': 'C-3' }, false, true],
    ['event fields', { type: { $startsWith: 'kaynko.sale.' }, sourceId: 'src_1' }, true, true],
    ['$or', { $or: [{ 'data.total': { $gt: 200 } }, { 'data.paymentMethod': 'cash' }] }, true, true],
    ['$and', { $and: [{ 'data.total': { $gt: 10 } }, { 'data.paymentMethod': 'cash' }] }, false, true],
    ['a field $not', { 'data.paymentMethod': { $not: { $in: ['cash'] } } }, true, false],
    ['a top-level $not', { $not: { 'data.total': { $gte: 100 } } }, false, true],
    ['the empty filter matches everything', {}, true, true],
  ])('%s', (_, filter, onCard, onCash) => {
    expect([matches(filter, card), matches(filter, cash)]).toEqual([onCard, onCash]);
  });

  it('a missing path does not match a comparison, and $startsWith needs a string', () => {
    expect(matches({ 'data.discount': { $gt: 0 } }, card)).toBe(false);
    expect(matches({ 'data.total': { $startsWith: '2' } }, card)).toBe(false);
  });
});

describe('endpoint filters: validation names the path inside filter', () => {
  it.each<[string, unknown, Array<{ field: string; reason: RegExp }>]>([
    ['not an object', [1], [{ field: 'filter', reason: /object of conditions/ }]],
    [
      'an unknown operator',
      { 'data.total': { $gtt: 1 } },
      [{ field: 'filter["data.total"].$gtt', reason: /not an operator; use one of \$eq/ }],
    ],
    [
      'a wrong operand',
      { 'data.total': { $gte: '100', $in: [] } },
      [{ field: 'filter["data.total"].$in', reason: /non-empty array/ }],
    ],
    [
      '$exists takes a boolean',
      { 'data.note': { $exists: 1 } },
      [{ field: 'filter["data.note"].$exists', reason: /true or false/ }],
    ],
    ['an object as a value', { data: { total: 1 } }, [{ field: 'filter.data', reason: /dotted path/ }]],
    ['operators and fields mixed', { data: { $exists: true, total: 1 } }, [{ field: 'filter.data', reason: /mixes/ }]],
    [
      'an array as a value',
      { 'data.total': [1, 2] },
      [{ field: 'filter["data.total"]', reason: /object of operators/ }],
    ],
    ['a path outside the event', { total: 1 }, [{ field: 'filter.total', reason: /use one of id, type.*under data/ }]],
    ['an empty segment', { 'data..total': 1 }, [{ field: 'filter["data..total"]', reason: /not a path/ }]],
    ['an operator at the top level', { $gte: 1 }, [{ field: 'filter.$gte', reason: /top level takes paths/ }]],
    ['$or of no filters', { $or: [] }, [{ field: 'filter.$or', reason: /non-empty array of filters/ }]],
    [
      'inside $and',
      { $and: [{ 'data.total': { $lt: true } }] },
      [{ field: 'filter.$and[0]["data.total"].$lt', reason: /number or a string/ }],
    ],
    [
      'a field $not of a value',
      { 'data.total': { $not: 5 } },
      [{ field: 'filter["data.total"].$not', reason: /object of operators/ }],
    ],
  ])('%s', (_, filter, expected) => {
    const problems = endpointFilterProblems(filter);
    expect(problems).toHaveLength(expected.length);
    expected.forEach((e, i) => {
      expect(problems[i]!.field).toBe(e.field);
      expect(problems[i]!.reason).toMatch(e.reason);
    });
  });

  it('refuses more than 5 levels', () => {
    const deep = { $not: { $not: { $not: { $not: { $not: { type: 'x' } } } } } };
    expect(endpointFilterProblems(deep)).toEqual([
      { field: 'filter.$not.$not.$not.$not.$not', reason: 'nests deeper than 5 levels' },
    ]);
    expect(endpointFilterProblems(deep.$not)).toEqual([]);
  });

  it('refuses more than 50 conditions, and counts each operator', () => {
    const many = Object.fromEntries(Array.from({ length: 25 }, (_, i) => [`data.f${i}`, { $gt: 0, $lt: 9 }]));
    expect(endpointFilterProblems(many)).toEqual([]);
    expect(endpointFilterProblems({ ...many, 'data.one': 1 })).toEqual([
      { field: 'filter', reason: 'has 51 conditions; at most 50' },
    ]);
  });

  it('refuses a filter longer than 8,192 characters of JSON, however few its conditions', () => {
    const list = (n: number) => Array.from({ length: n }, (_, i) => `sku-${String(i).padStart(6, '0')}`);
    // 13 characters per value: 600 fit, 700 do not.
    const fits = { 'data.sku': { $in: list(600) } };
    expect(JSON.stringify(fits).length).toBeLessThanOrEqual(8192);
    expect(endpointFilterProblems(fits)).toEqual([]);
    const long = { 'data.sku': { $in: list(700) } };
    expect(endpointFilterProblems(long)).toEqual([
      { field: 'filter', reason: `is ${JSON.stringify(long).length} characters of JSON; at most 8192` },
    ]);
  });
});
