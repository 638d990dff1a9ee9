/**
 * Values each field is set to in turn: every JSON type, the boundaries of every rule the provider DTOs and the topics'
 * messages use. With `mutants`, the systematic mutations that hold a compiled check to class-validator.
 */
export const MUTATION_VALUES: readonly unknown[] = [
  null,
  '',
  'x',
  'ABC',
  'USD',
  'usd',
  'AB\uFE0F',
  'AB\uFE0FC',
  '\uD83D\uDE00\uD83D\uDE00\uD83D\uDE00',
  'A'.repeat(50),
  'A'.repeat(51),
  'A'.repeat(100),
  'A'.repeat(101),
  'A'.repeat(200),
  'A'.repeat(201),
  'A'.repeat(500),
  'A'.repeat(501),
  '\uFE0F'.repeat(101),
  'cash',
  'retail',
  'created',
  'KE',
  'KEN',
  '2026-06-11T14:30:00.000Z',
  '2026-06-11T14:30:00+02:00',
  '2026-06-11 14:30:00',
  '2026-06-11',
  '2026-02-30T00:00:00Z',
  '2026-W24-4',
  '01/02/2024',
  '31/02/2024',
  '07:45:34 pm',
  '7:45:34pm',
  '13:45:34 pm',
  -1,
  0,
  1,
  1.5,
  -0.5,
  2 ** 53,
  2 ** 53 - 1,
  1e12,
  1e12 + 1,
  -1e12,
  -1e12 - 1,
  true,
  {},
  [],
  [1],
  [{}],
];

export type Json = Record<string, unknown> | unknown[];

/** Every value at every path of `data` (objects and arrays, nested), and each key removed, and a key added. */
export function* mutants(data: Json, values: readonly unknown[] = MUTATION_VALUES): Generator<Json> {
  const entries = Array.isArray(data) ? data.map((v, i) => [i, v] as const) : Object.entries(data);
  for (const [key, value] of entries) {
    const set = (next: unknown) => {
      const copy = (Array.isArray(data) ? [...data] : { ...data }) as Record<string | number, unknown>;
      copy[key] = next;
      return copy as Json;
    };
    for (const replacement of values) yield set(replacement);
    if (!Array.isArray(data)) {
      const { [key as string]: _, ...rest } = data;
      yield rest;
    }
    if (typeof value === 'object' && value !== null)
      for (const inner of mutants(value as Json, values)) yield set(inner);
  }
  if (!Array.isArray(data)) yield { ...data, unknownField: 'kept, never trusted' };
}
