/** What a batch parameter's elements may be: text (ISO timestamps and JSON included), numbers, booleans, NULL. */
export type PgArrayElement = string | number | boolean | null;

const NEEDS_ESCAPE = /["\\]/;

/**
 * A PostgreSQL array literal (`{"a","b",NULL}`) of these values, for a `$n::type[]` parameter of a batch write.
 *
 * pg turns a JS array into the same literal itself, but one concatenation at a time (a few strings per element): in
 * fan-out, whose every delivery is a row of twenty such columns, that was the largest single source of allocation
 * (15 % of its bytes). Here a column without quotes or backslashes, and without NULL, is one `join`; any other is
 * quoted element by element, as pg does. Every element is quoted, so any text (commas, braces, spaces, an empty
 * string, the word NULL) stays itself, and numbers and booleans are read by the column's type.
 */
export function pgArray(values: readonly PgArrayElement[]): string {
  if (!values.length) return '{}';
  let plain = true;
  for (const value of values) {
    if (value === null || (typeof value === 'string' && NEEDS_ESCAPE.test(value))) {
      plain = false;
      break;
    }
  }
  if (plain) return `{"${values.join('","')}"}`;
  return `{${values.map(element).join(',')}}`;
}

function element(value: PgArrayElement): string {
  if (value === null) return 'NULL';
  return typeof value === 'string' ? `"${value.replace(/["\\]/g, '\\$&')}"` : `"${value}"`;
}
