import fc from 'fast-check';
import { DataSource } from 'typeorm';
import { testInfra } from '@gateway/testing';
import { dataSourceOptions } from '../data-source-options';
import { PgArrayElement, pgArray } from './pg-array';

/** The array literals batch writes send, read back by PostgreSQL itself. */
describe('pgArray on PostgreSQL', () => {
  let db: DataSource;

  beforeAll(async () => {
    db = await new DataSource(dataSourceOptions(testInfra().databaseUrl, { poolSize: 1 })).initialize();
  });
  afterAll(() => db?.destroy());

  const readBack = async (type: string, values: PgArrayElement[]): Promise<unknown[]> => {
    const rows: Array<{ v: unknown }> = await db.query(
      `SELECT u.v FROM unnest($1::${type}[]) WITH ORDINALITY AS u(v, n) ORDER BY u.n`,
      [pgArray(values)],
    );
    return rows.map((row) => row.v);
  };

  it('keeps every text as it is: quotes, backslashes, commas, braces, spaces, empty, the word NULL, and NULL', async () => {
    const values = [
      'plain',
      'a "quoted" word',
      'back\\slash',
      '\\"',
      'a,b',
      '{x}',
      ' padded ',
      '',
      'NULL',
      null,
      'žluťoučký 🐎',
    ];
    expect(await readBack('text', values)).toEqual(values);
    expect(await readBack('varchar', ['evt_1', 'evt_2'])).toEqual(['evt_1', 'evt_2']);
  });

  it('gives numbers, booleans, timestamps and JSON to their column types, with NULLs', async () => {
    expect(await readBack('int', [200, null, -1, 0])).toEqual([200, null, -1, 0]);
    expect(await readBack('bool', [true, false, null])).toEqual([true, false, null]);
    const at = '2026-11-24T10:00:00.123Z';
    const stamps = (await readBack('timestamptz', [at, null])) as Array<Date | null>;
    expect(stamps.map((d) => d?.toISOString() ?? null)).toEqual([at, null]);
    expect(await readBack('jsonb', ['{"firstByteMs":3,"q":"a\\"b"}', null])).toEqual([
      { firstByteMs: 3, q: 'a"b' },
      null,
    ]);
  });

  it('is an empty array for no values', async () => {
    expect(await readBack('text', [])).toEqual([]);
  });

  it('reads back as the same array as pg builds from the JS array itself, for any text', async () => {
    const text = fc.oneof(
      fc.constant(null),
      fc.string({ unit: 'grapheme' }).map((s) => s.replaceAll('\u0000', '')),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(text, { maxLength: 12 }), async (values) => {
        const [row]: Array<{ same: boolean }> = await db.query(
          `SELECT $1::text[] IS NOT DISTINCT FROM $2::text[] AS same`,
          [pgArray(values), values],
        );
        expect(row!.same).toBe(true);
        expect(await readBack('text', values)).toEqual(values);
      }),
      { numRuns: 200 },
    );
  });
});
