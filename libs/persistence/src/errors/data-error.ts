/**
 * PostgreSQL's "data exception" errors (SQLSTATE class 22, e.g. a NUL character in text or jsonb): the value itself
 * cannot be stored, so writing it again will not help. A consumer isolates such a record instead of retrying it, which
 * would hold back every record behind it.
 */
export function isDataError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('22');
}
