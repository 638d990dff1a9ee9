import { isRfc3339Instant } from '@gateway/contracts';
import { pgInstant } from './iso';

describe('pgInstant: an RFC 3339 instant as PostgreSQL reads it', () => {
  it.each([
    ['2026-06-11T08:30:00Z', '2026-06-11T08:30:00Z'],
    ['2026-06-11t08:30:00.123456789z', '2026-06-11T08:30:00.123456789Z'],
    // Offsets PostgreSQL refuses (beyond ±15:59), moved into UTC, the fraction kept.
    ['3056-01-19T00:52:06.5+18:56', '3056-01-18T05:56:06.5Z'],
    ['0664-04-03T11:15:25.6073-19:51', '0664-04-04T07:06:25.6073Z'],
    // Past the year 9999 in UTC: PostgreSQL reads five-digit years.
    ['9999-12-31T23:59:59-23:59', '10000-01-01T23:58:59Z'],
    // Before the year 1 in UTC: the year 1's first instant (nothing stored is older).
    ['0001-01-01T00:00:00.25+01:00', '0001-01-01T00:00:00Z'],
  ])('%s → %s', (input, output) => {
    expect(isRfc3339Instant(input)).toBe(true);
    expect(pgInstant(input)).toBe(output);
  });
});
