import { isRfc3339Instant } from './validation';

describe('isRfc3339Instant: the one parser for instants in the admin API', () => {
  it.each([
    '2026-06-11T08:30:00Z',
    '2026-06-11t08:30:00z',
    '2026-06-11T08:30:00.123456789+02:00',
    '2024-02-29T00:00:00-23:59',
    '0001-01-01T00:00:00Z',
    '9999-12-31T23:59:59Z',
  ])('accepts %s', (value) => expect(isRfc3339Instant(value)).toBe(true));

  it.each([
    ['a day that does not exist', '2026-02-30T00:00:00Z'],
    ['29 February of a common year', '2100-02-29T00:00:00Z'],
    ['year zero', '0000-01-01T00:00:00Z'],
    ['an ISO week date', '2026-W10-1T00:00:00Z'],
    ['an ordinal date', '2026-070T00:00:00Z'],
    ['a comma fraction', '2026-06-11T08:30:00,5Z'],
    ['no offset', '2026-06-11T08:30:00'],
    ['a date alone', '2026-06-11'],
    ['hour 24', '2026-06-11T24:00:00Z'],
    ['a leap second', '2026-06-30T23:59:60Z'],
    ['an offset past a day', '2026-06-11T08:30:00+24:00'],
    ['a five-digit year', '+12026-06-11T08:30:00Z'],
    ['a NUL', '2026-06-11T08:30:00Z\u0000'],
    ['not a string', 1749630600000],
  ])('refuses %s', (_, value) => expect(isRfc3339Instant(value)).toBe(false));
});
