import { DataSource } from 'typeorm';
import { DailyPartitions, dataSourceOptions, dayOf } from '@gateway/persistence';
import { attachLegacyRange, scratchDatabase } from '@gateway/testing';
import { QerkoBridgeConfig } from '../qerko-bridge.config';
import { QerkoRequestPartitions } from './qerko-request-partitions';
import { QerkoRetention } from './qerko-retention';

const DAY = 86_400_000;

/** Qerko requests past their tenant's retention go: whole days, or one tenant's rows; never a pending request. */
describe('QerkoRetention on PostgreSQL', () => {
  let scratch: Awaited<ReturnType<typeof scratchDatabase>>;
  let db: DataSource;
  const now = new Date();
  const at = (daysAgo: number) => new Date(Math.floor(now.getTime() / DAY) * DAY - daysAgo * DAY + 12 * 3600_000);

  beforeAll(async () => {
    scratch = await scratchDatabase((url) => dataSourceOptions(url, { poolSize: 4 }));
    await scratch.migrate();
    db = await new DataSource(dataSourceOptions(scratch.url, { poolSize: 4 })).initialize();
    await db.query(
      `INSERT INTO tenants (id, name, retention_days) VALUES ('ten_a', 'default', NULL), ('ten_b', 'short', 3)`,
    );
  });
  afterAll(async () => {
    await db?.destroy();
    await scratch?.drop();
  });

  const request = async (tenant: string, daysAgo: number, state = 'answered_sync') => {
    await new DailyPartitions(db, 'qerko_requests').ensure([at(daysAgo)]);
    const id = `qrq_${tenant}_${daysAgo}_${state}`;
    await db.query(
      `INSERT INTO qerko_requests (id, tenant_id, source_id, uuid, method, args, event_id, state, received_at, deadline_at)
       VALUES ($1, $2, 'src_q', $1, 'getBill', '[]', 'evt_q', $3, $4, $4)`,
      [id, tenant, state, at(daysAgo).toISOString()],
    );
  };
  const left = async () =>
    (await db.query<Array<{ id: string }>>(`SELECT id FROM qerko_requests ORDER BY id`)).map((r) => r.id);

  it('drops days past every retention, deletes the shorter retention, keeps pending requests', async () => {
    for (const daysAgo of [20, 12, 4, 1]) for (const tenant of ['ten_a', 'ten_b']) await request(tenant, daysAgo);
    await request('ten_a', 12, 'pending'); // left pending by an outage: never removed
    const retention = new QerkoRetention(
      db,
      new QerkoRequestPartitions(db),
      Object.assign(new QerkoBridgeConfig(), { GATEWAY_RETENTION_DAYS: 10 }),
    );
    const report = (await retention.runOnce(now))!;
    const day = (daysAgo: number) => `qerko_requests_p${at(daysAgo).toISOString().slice(0, 10).replaceAll('-', '')}`;
    expect(report.droppedDays).toEqual([day(20)]);
    // Day 12's finished requests (both tenants), and ten_b's day 4.
    expect(report.deleted).toBe(3);
    expect(await left()).toEqual([
      'qrq_ten_a_12_pending',
      'qrq_ten_a_1_answered_sync',
      'qrq_ten_a_4_answered_sync',
      'qrq_ten_b_1_answered_sync',
    ]);
    expect(await retention.runOnce(now)).toEqual({ droppedDays: [], deleted: 0 });
  });

  it('deletes what is past every retention in the range an upgrade attached before the first day', async () => {
    // An upgraded database: the old table is the partition of everything before the first day (here, today).
    const upgraded = await scratchDatabase((url) => dataSourceOptions(url, { poolSize: 2 }));
    await upgraded.migrate();
    const udb = await new DataSource(dataSourceOptions(upgraded.url, { poolSize: 2 })).initialize();
    try {
      await attachLegacyRange(udb, ['qerko_requests'], dayOf(now));
      await udb.query(`INSERT INTO tenants (id, name, retention_days) VALUES ('ten_a', 'default', NULL)`);
      for (const [daysAgo, state] of [
        [40, 'answered_sync'],
        [12, 'answered_sync'],
        [12, 'pending'],
        [4, 'answered_sync'],
      ] as const) {
        await udb.query(
          `INSERT INTO qerko_requests (id, tenant_id, source_id, uuid, method, args, event_id, state, received_at, deadline_at)
           VALUES ($1, 'ten_a', 'src_q', $1, 'getBill', '[]', 'evt_q', $2, $3, $3)`,
          [`qrq_${daysAgo}_${state}`, state, at(daysAgo).toISOString()],
        );
      }
      const retention = new QerkoRetention(
        udb,
        new QerkoRequestPartitions(udb),
        Object.assign(new QerkoBridgeConfig(), { GATEWAY_RETENTION_DAYS: 10 }),
      );
      expect(await retention.runOnce(now)).toEqual({ droppedDays: [], deleted: 2 });
      const rows = await udb.query<Array<{ id: string }>>(`SELECT id FROM qerko_requests_legacy ORDER BY id`);
      expect(rows.map((r) => r.id)).toEqual(['qrq_12_pending', 'qrq_4_answered_sync']);
    } finally {
      await udb.destroy();
      await upgraded.drop();
    }
  });
});
