/**
 * PostgreSQL's "data exception" errors (SQLSTATE class 22, e.g. a NUL character in text or jsonb): the value itself
 * cannot be stored, so writing it again will not help. A consumer isolates such a record instead of retrying it, which
 * would hold back every record behind it.
 */
export function isDataError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('22');
}

/**
 * A row whose day has no partition (23514, "no partition of relation … found for row"): the partition was not created
 * yet, or was dropped by retention after this process last saw it. The writer creates it and writes again.
 */
export function isMissingPartition(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown } | null;
  return e?.code === '23514' && typeof e.message === 'string' && e.message.includes('no partition of relation');
}
