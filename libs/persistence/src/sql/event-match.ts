import { subscriptionFilter } from '@gateway/contracts';

/**
 * SQL for "event `alias` matches these subscription patterns", exactly as `subscribesTo` decides in memory:
 * exact types always; `provider.*` and `*` except explicit-only types. Uses four parameters from `$first`.
 */
export function eventMatchSql(alias: string, first: number): string {
  const [exact, prefixes, all, explicitOnly] = [first, first + 1, first + 2, first + 3].map((n) => `$${n}`);
  return `(${alias}.type = ANY(${exact}::text[])
           OR ((${alias}.type LIKE ANY(${prefixes}::text[]) OR ${all}::bool) AND NOT ${alias}.type = ANY(${explicitOnly}::text[])))`;
}

/** The four parameters of `eventMatchSql`, in order. */
export function eventMatchParams(patterns: readonly string[]): [string[], string[], boolean, string[]] {
  const filter = subscriptionFilter(patterns);
  // Prefixes are `provider.`: lower-case letters and a dot, nothing LIKE would treat specially.
  return [filter.exact, filter.prefixes.map((p) => `${p}%`), filter.all, filter.explicitOnly];
}
