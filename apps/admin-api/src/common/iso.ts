/** Timestamps leave the API as ISO 8601 strings (or null). */
export const iso = (date: Date | null | undefined): string | null => (date ? date.toISOString() : null);

const INSTANT_PARTS = /^(\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

/**
 * An RFC 3339 instant (one `isRfc3339Instant` accepts) as PostgreSQL reads it, exactly: in UTC, since PostgreSQL
 * refuses the offsets beyond ±15:59 that RFC 3339 allows (`?since=…+18:56` was a 500), with its fraction as given
 * (offsets are whole minutes). An instant before the year 1, which PostgreSQL cannot read so, becomes the year 1's
 * first: nothing stored is older, so every comparison gives the same rows.
 */
export function pgInstant(value: string): string {
  const [, local, fraction = '', offset] = INSTANT_PARTS.exec(value) ?? [];
  const date = new Date(`${local}${offset}`.toUpperCase());
  if (!local || Number.isNaN(date.getTime())) throw new Error(`not an RFC 3339 instant: ${value}`);
  if (date.getUTCFullYear() < 1) return '0001-01-01T00:00:00Z';
  const two = (n: number) => String(n).padStart(2, '0');
  const day = `${String(date.getUTCFullYear()).padStart(4, '0')}-${two(date.getUTCMonth() + 1)}-${two(date.getUTCDate())}`;
  return `${day}T${two(date.getUTCHours())}:${two(date.getUTCMinutes())}:${two(date.getUTCSeconds())}${fraction}Z`;
}
