import { newId } from './random-id';

describe('newId', () => {
  it('makes prefixed, time-ordered ids that do not repeat across many pool refills', () => {
    const ids = Array.from({ length: 20_000 }, (_, i) => newId('dlv', 1_700_000_000_000 + i));
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids.slice(0, 50)) expect(id).toMatch(/^dlv_[0-9A-Za-z]{25}$/);
    expect([...ids].sort()).toEqual(ids);
  });
});
