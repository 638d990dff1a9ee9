/**
 * Finding events by the identifiers a merchant knows: Kaynko's `receiptNumber` and `saleId`, DigiTax's
 * `trader_invoice_number`, `invoice_number` and `receipt_number` (the fields of `data`), and the event id — each exact
 * or as a prefix. One owner for the fields, their indexes (the migration builds them) and the SQL that uses them.
 *
 * Each field has a partial btree index `(tenant_id, (data->>field) text_pattern_ops) WHERE (data->>field) IS NOT
 * NULL`: only events carrying the field pay for it on insert (a Kaynko sale: two entries), and a prefix `LIKE` is a
 * range scan of it whatever the database's collation. The id prefix uses `events_id_key (id, received_at)` (ids are
 * in the "C" collation).
 */
export const EVENT_SEARCH_FIELDS = [
  'receiptNumber',
  'saleId',
  'trader_invoice_number',
  'invoice_number',
  'receipt_number',
] as const;

function fieldExpression(alias: string, field: string): string {
  return `(${alias ? `${alias}.` : ''}data ->> '${field}')`;
}

/** The indexes on `events`: name → definition (after `ON events`). */
export function eventSearchIndexes(): Record<string, string> {
  return Object.fromEntries(
    EVENT_SEARCH_FIELDS.map((field) => [
      `events_search_${field.toLowerCase()}_idx`,
      `(tenant_id, ${fieldExpression('', field)} text_pattern_ops) WHERE ${fieldExpression('', field)} IS NOT NULL`,
    ]),
  );
}

/**
 * "Event `alias` has an identifier starting with the pattern in `$param`" (with `tenant_id` fixed by the caller's
 * own condition, which each index leads with). The parameter is `eventSearchPattern(q)`.
 */
export function eventSearchSql(alias: string, param: string): string {
  const arms = [
    `${alias}.id LIKE ${param}`,
    ...EVENT_SEARCH_FIELDS.map((f) => `${fieldExpression(alias, f)} LIKE ${param}`),
  ];
  return `(${arms.join(' OR ')})`;
}

/**
 * What a search orders by instead of `received_at`: the same instant, as an expression no index provides. Ordered by
 * the column itself, the planner may walk the tenant's events newest first testing each one (cheap when matches are
 * common, a scan of the tenant's whole history when they are rare, as a receipt number is); ordered by this, it finds
 * the matches through their indexes and sorts only those.
 */
export function eventSearchOrder(alias: string): string {
  return `(${alias}.received_at + interval '0 seconds')`;
}

/** `q` as a LIKE prefix pattern: its own `%`, `_` and `\` match themselves. */
export function eventSearchPattern(q: string): string {
  return `${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}
