import { randomBytes } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { testInfra } from '@gateway/testing';
import { MIGRATIONS, dataSourceOptions } from '../data-source-options';
import { PartitionByDay1764900000000 } from './1764900000000-partition-by-day';

const DAY = 86_400_000;
const EVENTS = 100_000;
const ENDPOINTS = 10;

/**
 * The partitioning migration on a database that holds data: 1,000,000 deliveries (and their events, 200,000 later
 * attempts and 20,000 Qerko requests) over 30 days, written with SQL; `up` runs while a writer of the previous version
 * keeps inserting, then `down`. Each phase is timed (printed, and quoted in docs/operations.md).
 */
describe('migration PartitionByDay on a million deliveries', () => {
  let admin: DataSource;
  let db: DataSource;
  let name: string;
  const timings: Record<string, number> = {};

  beforeAll(async () => {
    admin = await new DataSource(dataSourceOptions(testInfra().databaseUrl, { poolSize: 1 })).initialize();
    name = `migration_${randomBytes(4).toString('hex')}`;
    await admin.query(`CREATE DATABASE ${name}`);
    const url = new URL(testInfra().databaseUrl);
    url.pathname = `/${name}`;
    db = await new DataSource({
      ...dataSourceOptions(url.toString(), { poolSize: 4 }),
      logging: ['error', 'migration'],
      // The schema as it was before this migration (later ones assume partitioned tables).
      migrations: MIGRATIONS.slice(0, MIGRATIONS.indexOf(PartitionByDay1764900000000)),
    }).initialize();
    await db.runMigrations({ transaction: 'each' });
    timings['generate'] = await timed(() => generate(db));
  }, 300_000);

  afterAll(async () => {
    console.log(`partition-by-day migration, ${EVENTS * ENDPOINTS} deliveries: ${JSON.stringify(timings)} (ms)`);
    await db?.destroy();
    await admin?.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin?.destroy();
  });

  it('partitions by day while the previous version keeps writing, and goes back with down', async () => {
    const before = await counts(db);
    expect(before.deliveries).toBe(EVENTS * ENDPOINTS);

    const writer = new OldVersionWriter(db);
    const writing = writer.run();
    const migration = new PartitionByDay1764900000000();
    const runner = db.createQueryRunner();
    try {
      timings['up'] = await timed(() => migration.up(runner));
      await writer.until(() => writer.newShape >= 20);
    } finally {
      writer.stop();
      await writing;
    }

    // The writer was never held up for long, and its rows written before the swap are all there, with their key.
    expect(writer.oldShape).toBeGreaterThan(0);
    expect(writer.slowestMs).toBeLessThan(3000);
    const after = await counts(db);
    expect(after).toEqual({
      events: before.events + writer.oldShape + writer.newShape,
      deliveries: before.deliveries + writer.oldShape + writer.newShape,
      attempts: before.attempts + writer.oldShape + writer.newShape,
      qerko: before.qerko,
    });
    for (const table of ['events', 'deliveries', 'delivery_attempts', 'qerko_requests']) {
      const [row] = await db.query(`SELECT relkind FROM pg_class WHERE oid = $1::regclass`, [table]);
      expect(row.relkind).toBe('p');
    }
    const [mismatched] = await db.query(
      `SELECT count(*)::int AS n FROM deliveries d JOIN events e ON e.id = d.event_id
        WHERE d.event_received_at IS DISTINCT FROM e.received_at`,
    );
    expect(mismatched.n).toBe(0);
    const [attemptsMismatched] = await db.query(
      `SELECT count(*)::int AS n FROM delivery_attempts a JOIN deliveries d ON d.id = a.delivery_id
        WHERE a.event_received_at IS DISTINCT FROM d.event_received_at`,
    );
    expect(attemptsMismatched.n).toBe(0);
    // The attach adopted the old table's indexes: the legacy partition is one of several, and a live delivery made
    // twice is still refused, in the legacy partition as in a new day's.
    const partitions: Array<{ name: string }> = await db.query(
      `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
        WHERE i.inhparent = 'deliveries'::regclass ORDER BY 1`,
    );
    expect(partitions.map((p) => p.name)).toContain('deliveries_legacy');
    expect(partitions.length).toBeGreaterThanOrEqual(9);
    // (Copied in SQL: a JavaScript Date would drop the microseconds of the writer's now().)
    const again = await db.query(
      `INSERT INTO deliveries (id, event_id, endpoint_id, tenant_id, event_type, status, event_received_at)
       SELECT 'dlv_again', event_id, endpoint_id, tenant_id, 'x', 'pending', event_received_at
         FROM deliveries WHERE replay_id IS NULL LIMIT 1
       ON CONFLICT (event_id, endpoint_id, event_received_at) WHERE replay_id IS NULL DO NOTHING RETURNING id`,
    );
    expect(again).toEqual([]);
    // The attempt log still reads both halves.
    const [log] = await db.query(`SELECT count(*)::int AS n FROM delivery_attempt_log`);
    expect(log.n).toBe(after.attempts + (await firstAttempts(db)));

    // Run again: nothing to do.
    await migration.up(runner);

    timings['down'] = await timed(() => migration.down(runner));
    await runner.release();
    expect(await counts(db)).toEqual(after);
    for (const table of ['events', 'deliveries', 'delivery_attempts', 'qerko_requests']) {
      const [row] = await db.query(`SELECT relkind FROM pg_class WHERE oid = $1::regclass`, [table]);
      expect(row.relkind).toBe('r');
    }
    await expect(
      db.query(`INSERT INTO deliveries (id, event_id, endpoint_id, tenant_id, event_type, status)
                VALUES ('dlv_orphan', 'evt_missing', 'end_0', 'ten_m', 'x', 'pending')`),
    ).rejects.toThrow(/foreign key/);
  }, 600_000);
});

async function timed(run: () => Promise<unknown>): Promise<number> {
  const start = Date.now();
  await run();
  return Date.now() - start;
}

async function counts(db: DataSource) {
  const [row] = await db.query(`SELECT (SELECT count(*)::int FROM events) AS events,
                                       (SELECT count(*)::int FROM deliveries) AS deliveries,
                                       (SELECT count(*)::int FROM delivery_attempts) AS attempts,
                                       (SELECT count(*)::int FROM qerko_requests) AS qerko`);
  return row as { events: number; deliveries: number; attempts: number; qerko: number };
}

async function firstAttempts(db: DataSource): Promise<number> {
  const [row] = await db.query(`SELECT count(*)::int AS n FROM deliveries WHERE first_attempt_id IS NOT NULL`);
  return row.n;
}

/** 100,000 events over the last 30 days, each delivered to 10 endpoints; a fifth of them retried once. */
async function generate(db: DataSource): Promise<void> {
  const start = new Date(Date.now() - 30 * DAY).toISOString();
  await db.query(`INSERT INTO tenants (id, name) VALUES ('ten_m', 'migration')`);
  await db.query(
    `INSERT INTO endpoints (id, tenant_id, url, event_types, secret_sealed)
     SELECT 'end_' || i, 'ten_m', 'https://example.com/' || i, ARRAY['*'], 'sealed' FROM generate_series(0, $1 - 1) i`,
    [ENDPOINTS],
  );
  await db.query(
    `INSERT INTO events (id, tenant_id, source_id, type, provider, received_at, data)
     SELECT 'evt_' || lpad(i::text, 8, '0'), 'ten_m', 'src_m', 'order.created', 'kaynko',
            $2::timestamptz + (i * interval '30 days' / $1), jsonb_build_object('n', i)
       FROM generate_series(0, $1 - 1) i`,
    [EVENTS, start],
  );
  await db.query(
    `INSERT INTO deliveries (id, event_id, endpoint_id, tenant_id, event_type, status, attempt_count, next_attempt_at,
                             created_at, first_attempt_id, first_attempt_started_at, first_attempt_duration_ms,
                             first_attempt_status_code)
     SELECT 'dlv_' || lpad(i::text, 8, '0') || '_' || e, 'evt_' || lpad(i::text, 8, '0'), 'end_' || e, 'ten_m',
            'order.created', CASE WHEN i % 100 = 0 THEN 'retrying' ELSE 'succeeded' END, 1,
            CASE WHEN i % 100 = 0 THEN now() + interval '1 hour' END,
            $2::timestamptz + (i * interval '30 days' / $1),
            'att_' || lpad(i::text, 8, '0') || '_' || e || '_1', $2::timestamptz + (i * interval '30 days' / $1), 40, 200
       FROM generate_series(0, $1 - 1) i, generate_series(0, ${ENDPOINTS - 1}) e`,
    [EVENTS, start],
  );
  await db.query(
    `INSERT INTO delivery_attempts (id, delivery_id, endpoint_id, number, started_at, duration_ms, status_code)
     SELECT 'att_' || lpad(i::text, 8, '0') || '_' || e || '_2', 'dlv_' || lpad(i::text, 8, '0') || '_' || e,
            'end_' || e, 2, $2::timestamptz + (i * interval '30 days' / $1) + interval '5 seconds', 35, 200
       FROM generate_series(0, $1 - 1, 5) i, generate_series(0, ${ENDPOINTS - 1}) e`,
    [EVENTS, start],
  );
  await db.query(
    `INSERT INTO qerko_requests (id, tenant_id, source_id, uuid, method, args, event_id, state, received_at,
                                 deadline_at)
     SELECT 'qrq_' || lpad(i::text, 8, '0'), 'ten_m', 'src_q', 'uuid-' || i, 'getBill', '{}', 'evt_q' || i,
            'answered_sync', $1::timestamptz + (i * interval '30 days' / 20000),
            $1::timestamptz + (i * interval '30 days' / 20000) + interval '15 seconds'
       FROM generate_series(0, 19999) i`,
    [start],
  );
  await db.query(`ANALYZE`);
}

/**
 * Writes as the previous version does (no event_received_at; its conflict targets), one event with a delivery and an
 * attempt per transaction, until its statements fail because the swap is done; then as this version does. Counts
 * what it wrote each way, and the slowest write.
 */
class OldVersionWriter {
  oldShape = 0;
  newShape = 0;
  slowestMs = 0;
  private stopped = false;
  private n = 0;
  private waiters: Array<() => void> = [];

  constructor(private readonly db: DataSource) {}

  async run(): Promise<void> {
    let swapped = false;
    while (!this.stopped) {
      const i = this.n++;
      const start = Date.now();
      try {
        await this.db.transaction((tx) => (swapped ? this.writeNew(tx, i) : this.writeOld(tx, i)));
        if (swapped) this.newShape++;
        else this.oldShape++;
      } catch (err) {
        // 42P10: the previous version's ON CONFLICT target no longer exists. Anything else fails the test.
        if ((err as { code?: string }).code !== '42P10' || swapped) throw err;
        swapped = true;
      }
      this.slowestMs = Math.max(this.slowestMs, Date.now() - start);
      for (const wake of this.waiters.splice(0)) wake();
    }
  }

  stop(): void {
    this.stopped = true;
  }

  until(done: () => boolean): Promise<void> {
    return new Promise((resolve) => {
      const check = () => (done() ? resolve() : this.waiters.push(check));
      check();
    });
  }

  private async writeOld(q: EntityManager, i: number): Promise<void> {
    await q.query(
      `INSERT INTO events (id, tenant_id, source_id, type, provider, received_at, data)
       VALUES ($1, 'ten_m', 'src_m', 'order.created', 'kaynko', now(), '{}') ON CONFLICT (id) DO NOTHING`,
      [`evt_w${i}`],
    );
    await q.query(
      `INSERT INTO deliveries (id, event_id, endpoint_id, tenant_id, event_type, status)
       VALUES ($1, $2, 'end_0', 'ten_m', 'order.created', 'pending')
       ON CONFLICT (event_id, endpoint_id) WHERE replay_id IS NULL DO NOTHING`,
      [`dlv_w${i}`, `evt_w${i}`],
    );
    await q.query(
      `INSERT INTO delivery_attempts (id, delivery_id, endpoint_id, number, started_at, duration_ms)
       VALUES ($1, $2, 'end_0', 1, now(), 10) ON CONFLICT (id) DO NOTHING`,
      [`att_w${i}`, `dlv_w${i}`],
    );
  }

  private async writeNew(q: EntityManager, i: number): Promise<void> {
    // As fan-out writes them: the received_at of the event it took from Kafka, in milliseconds.
    const receivedAt = new Date();
    await q.query(
      `INSERT INTO events (id, tenant_id, source_id, type, provider, received_at, data)
       VALUES ($1, 'ten_m', 'src_m', 'order.created', 'kaynko', $2, '{}')
       ON CONFLICT (id, received_at) DO NOTHING`,
      [`evt_w${i}`, receivedAt],
    );
    await q.query(
      `INSERT INTO deliveries (id, event_id, endpoint_id, tenant_id, event_type, status, event_received_at)
       VALUES ($1, $2, 'end_0', 'ten_m', 'order.created', 'pending', $3)
       ON CONFLICT (event_id, endpoint_id, event_received_at) WHERE replay_id IS NULL DO NOTHING`,
      [`dlv_w${i}`, `evt_w${i}`, receivedAt],
    );
    await q.query(
      `INSERT INTO delivery_attempts (id, delivery_id, endpoint_id, number, started_at, duration_ms, event_received_at)
       VALUES ($1, $2, 'end_0', 1, now(), 10, $3) ON CONFLICT (id, event_received_at) DO NOTHING`,
      [`att_w${i}`, `dlv_w${i}`, receivedAt],
    );
  }
}
