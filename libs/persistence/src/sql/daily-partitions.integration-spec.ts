import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { testInfra } from '@gateway/testing';
import { dataSourceOptions } from '../data-source-options';
import { DailyPartitions, dayOf, partitionName } from './daily-partitions';

const DAY = 86_400_000;

/** Daily partitions created by the writers themselves, on PostgreSQL, with several of them racing. */
describe('DailyPartitions on PostgreSQL', () => {
  let db: DataSource;
  let other: DataSource;
  let table: string;

  beforeAll(async () => {
    const url = testInfra().databaseUrl;
    [db, other] = await Promise.all([
      new DataSource(dataSourceOptions(url, { poolSize: 4 })).initialize(),
      new DataSource(dataSourceOptions(url, { poolSize: 4 })).initialize(),
    ]);
  });
  afterAll(async () => {
    await db?.destroy();
    await other?.destroy();
  });

  beforeEach(async () => {
    table = `parts_${randomBytes(4).toString('hex')}`;
    await db.query(`CREATE TABLE ${table} (id text NOT NULL, at timestamptz NOT NULL) PARTITION BY RANGE (at)`);
  });
  afterEach(() => db.query(`DROP TABLE IF EXISTS ${table}`));

  const insert = (at: Date) => db.query(`INSERT INTO ${table} (id, at) VALUES ('x', $1)`, [at]);

  it('creates the partition of each day a writer is about to insert into, once', async () => {
    const partitions = new DailyPartitions(db, table);
    const noon = new Date('2026-12-04T12:00:00Z');
    await expect(insert(noon)).rejects.toThrow(/no partition/);

    await partitions.ensure([noon, new Date('2026-12-04T23:59:59.999Z'), new Date('2026-12-06T00:00:00Z')]);
    await insert(noon);
    await insert(new Date('2026-12-06T00:00:00Z'));
    expect(await partitions.list()).toEqual([
      {
        name: `${table}_p20261204`,
        from: new Date('2026-12-04T00:00:00Z'),
        to: new Date('2026-12-05T00:00:00Z'),
      },
      {
        name: `${table}_p20261206`,
        from: new Date('2026-12-06T00:00:00Z'),
        to: new Date('2026-12-07T00:00:00Z'),
      },
    ]);
    // The day on the 5th is still missing: nothing guessed.
    await expect(insert(new Date('2026-12-05T08:00:00Z'))).rejects.toThrow(/no partition/);
  });

  it('creates days ahead, and lets instances race for the same days without an error or a gap', async () => {
    const from = new Date('2027-01-30T17:00:00Z');
    const instances = [
      new DailyPartitions(db, table),
      new DailyPartitions(other, table),
      new DailyPartitions(db, table),
    ];
    await Promise.all(instances.map((p) => p.ensureAhead(from, 7)));
    const names = (await instances[0]!.list()).map((p) => p.name);
    expect(names).toEqual(
      Array.from({ length: 8 }, (_, i) => partitionName(table, new Date(dayOf(from).getTime() + i * DAY))),
    );
    expect(names[0]).toBe(`${table}_p20270130`);
    expect(names[7]).toBe(`${table}_p20270206`);
  });

  it('never creates a day that an attached partition from before already covers, and reads its open bound', async () => {
    await db.query(
      `CREATE TABLE ${table}_legacy PARTITION OF ${table} FOR VALUES FROM (MINVALUE) TO ('2026-12-05T00:00:00Z')`,
    );
    const partitions = new DailyPartitions(db, table);
    await partitions.ensure([new Date('2026-11-01T10:00:00Z'), new Date('2026-12-05T10:00:00Z')]);
    expect(await partitions.list()).toEqual([
      { name: `${table}_legacy`, from: null, to: new Date('2026-12-05T00:00:00Z') },
      {
        name: `${table}_p20261205`,
        from: new Date('2026-12-05T00:00:00Z'),
        to: new Date('2026-12-06T00:00:00Z'),
      },
    ]);
  });

  it('reads bounds whatever the session time zone, and looks again after forget()', async () => {
    const partitions = new DailyPartitions(db, table);
    await partitions.ensure([new Date('2026-12-04T01:00:00Z')]);
    // One connection, its session in a zone PostgreSQL writes with an offset of hours and minutes (+05:30).
    const zoned = await new DataSource(dataSourceOptions(testInfra().databaseUrl, { poolSize: 1 })).initialize();
    try {
      await zoned.query(`SET TimeZone = 'Asia/Kolkata'`);
      expect(await new DailyPartitions(zoned, table).list()).toEqual([
        { name: `${table}_p20261204`, from: new Date('2026-12-04T00:00:00Z'), to: new Date('2026-12-05T00:00:00Z') },
      ]);
    } finally {
      await zoned.destroy();
    }
    // Dropped behind its back (retention on another instance): a known day is looked up again after forget().
    await db.query(`DROP TABLE ${table}_p20261204`);
    partitions.forget();
    await partitions.ensure([new Date('2026-12-04T02:00:00Z')]);
    await insert(new Date('2026-12-04T02:00:00Z'));
  });
});
