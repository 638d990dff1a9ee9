import { invalidEventTypePattern, subscribesTo } from './event-types';

describe('event type subscriptions', () => {
  it.each([
    [['kaynko.sale.completed'], 'kaynko.sale.completed', true],
    [['kaynko.sale.completed'], 'kaynko.sale.voided', false],
    [['kaynko.*'], 'kaynko.sale.voided', true],
    [['digitax.*'], 'kaynko.sale.voided', false],
    [['*'], 'kaynko.session.opened', true],
    [['*'], 'kaynko.ping', false],
    [['kaynko.*'], 'kaynko.ping', false],
    [['kaynko.ping'], 'kaynko.ping', true],
    [['kaynko.sale.*'], 'kaynko.sale.voided', true],
    [['kaynko.sale.*'], 'kaynko.session.opened', false],
  ])('%j receives %s: %s', (patterns, type, expected) => {
    expect(subscribesTo(patterns, type)).toBe(expected);
  });

  it('validates patterns against the catalog', () => {
    expect(invalidEventTypePattern('*')).toBeNull();
    expect(invalidEventTypePattern('kaynko.*')).toBeNull();
    expect(invalidEventTypePattern('kaynko.sale.completed')).toBeNull();
    expect(invalidEventTypePattern('kaynko.sale.exploded')).toBe('unknown event type "kaynko.sale.exploded"');
    expect(invalidEventTypePattern('acme.*')).toBe('no event types under "acme"');
    // A wildcard at any level, as long as it covers a type of the catalog.
    expect(invalidEventTypePattern('kaynko.sale.*')).toBeNull();
    expect(invalidEventTypePattern('kaynko.nope.*')).toBe('no event types under "kaynko.nope"');
    expect(invalidEventTypePattern('kaynko.*.completed')).toBe('unknown event type "kaynko.*.completed"');
  });
});
