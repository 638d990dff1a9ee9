import { newId } from './random-id';

describe('newId', () => {
  it('makes prefixed, time-ordered ids that do not repeat across many pool refills', () => {
    const ids = Array.from({ length: 20_000 }, (_, i) => newId('dlv', 1_700_000_000_000 + i));
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids.slice(0, 50)) expect(id).toMatch(/^dlv_[0-9A-Za-z]{25}$/);
    expect([...ids].sort()).toEqual(ids);
  });

  it('writes the time in base 54, most significant first, after the prefix', () => {
    expect(newId('evt', 0).slice(0, 13)).toBe('evt_000000000');
    expect(newId('evt', 54).slice(0, 13)).toBe('evt_000000010');
    expect(newId('ep', 54 ** 2 * 3 + 53).slice(0, 12)).toBe('ep_00000030z');
    expect(newId('ten', 1_700_000_000_000)).toMatch(/^ten_[0-9A-Za-z]{25}$/);
  });
});
