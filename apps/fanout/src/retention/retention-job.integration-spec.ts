import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { CANONICAL_EVENT_SCHEMA, CanonicalEventV1 } from '@gateway/contracts';
import { dataSourceOptions, dayOf as dayStart, wasExpired, withRetentionLock } from '@gateway/persistence';
import { attachLegacyRange, scratchDatabase } from '@gateway/testing';
import { FanoutConfig } from '../fanout.config';
import { AttemptOutcome, DeliveryStore } from '../store/delivery-store';
import { EventPartitions } from '../store/event-partitions';
import { RetentionJob } from './retention-job';
import { RetentionStore } from './retention-store';

const DAY = 86_400_000;
const DEFAULT_DAYS = 10;

/** Two tenants, `ten_a` on the default retention and `ten_b` keeping 3 days, each with an endpoint `ep_<tenant>`. */
async function seedTenants(db: DataSource): Promise<void> {
  await db.query(
    `INSERT INTO tenants (id, name, retention_days) VALUES ('ten_a', 'default', NULL), ('ten_b', 'short', 3)`,
  );
  for (const tenant of ['ten_a', 'ten_b']) {
    await db.query(
      `INSERT INTO endpoints (id, tenant_id, url, event_types, secret_sealed) VALUES ($1, $2, 'https://example.com', '{*}', 'x')`,
      [`ep_${tenant}`, tenant],
    );
  }
}

/**
 * Retention on its own database (the tenants decide what goes): whole days dropped past every tenant's retention,
 * rows deleted for a tenant whose retention is shorter, and never a delivery still to attempt.
 */
describe('RetentionJob on PostgreSQL', () => {
  let scratch: Awaited<ReturnType<typeof scratchDatabase>>;
  let db: DataSource;
  let other: DataSource;
  let store: DeliveryStore;
  const jobs: RetentionJob[] = [];
  const config = Object.assign(new FanoutConfig(), { GATEWAY_RETENTION_DAYS: DEFAULT_DAYS });
  const now = new Date();
  const dayOf = (daysAgo: number) => new Date(Math.floor(now.getTime() / DAY) * DAY - daysAgo * DAY + 12 * 3600_000);

  beforeAll(async () => {
    scratch = await scratchDatabase((url) => dataSourceOptions(url, { poolSize: 4 }));
    await scratch.migrate();
    [db, other] = await Promise.all([
      new DataSource(dataSourceOptions(scratch.url, { poolSize: 4 })).initialize(),
      new DataSource(dataSourceOptions(scratch.url, { poolSize: 4 })).initialize(),
    ]);
    store = new DeliveryStore(db, new EventPartitions(db));
    for (const source of [db, other]) {
      jobs.push(new RetentionJob(source, new RetentionStore(source), new EventPartitions(source), config));
    }
    await seedTenants(db);
  });
  afterAll(async () => {
    await db?.destroy();
    await other?.destroy();
    await scratch?.drop();
  });

  const event = (tenantId: string, daysAgo: number): CanonicalEventV1 => ({
    schema: CANONICAL_EVENT_SCHEMA,
    id: `evt_${randomUUID().replace(/-/g, '')}`,
    type: 'kaynko.ping',
    provider: 'kaynko',
    sourceId: 'src_retention',
    tenantId,
    receivedAt: dayOf(daysAgo).toISOString(),
    occurredAt: null,
    data: { daysAgo },
  });

  /**
   * Stores the event with one delivery: attempted once (500, kept in the delivery's row) and, when `finished`, a
   * second time (200, a row of delivery_attempts).
   */
  const deliver = async (e: CanonicalEventV1, finished = true, into = store) => {
    await into.persist([e], []);
    const key = randomUUID().replace(/-/g, '').slice(0, 24);
    const id = `dlv_${key}`;
    const endpointId = `ep_${e.tenantId}`;
    const attempt = (n: number, status: number) => ({
      id: `att_${key}_${n}`,
      deliveryId: id,
      endpointId,
      number: n,
      startedAt: new Date(),
      durationMs: 3,
      statusCode: status,
      errorClass: status < 300 ? null : 'http_status',
      errorMessage: null,
      responseBody: null,
      timings: null,
    });
    const eventReceivedAt = new Date(e.receivedAt);
    const first: AttemptOutcome = {
      attempt: attempt(1, 500),
      delivery: {
        id,
        eventReceivedAt,
        status: 'retrying',
        attemptCount: 1,
        nextAttemptAt: new Date(Date.now() + 3600_000),
        lastStatusCode: 500,
        lastError: 'endpoint answered 500',
        completed: false,
        insert: {
          eventId: e.id,
          eventReceivedAt,
          endpointId,
          tenantId: e.tenantId,
          eventType: e.type,
          createdAt: new Date(),
        },
      },
    };
    await into.recordOutcomes([first], new Date(0));
    const finish = () =>
      into.recordOutcomes(
        [
          {
            attempt: attempt(2, 200),
            delivery: {
              id,
              eventReceivedAt,
              status: 'succeeded',
              attemptCount: 2,
              nextAttemptAt: null,
              lastStatusCode: 200,
              lastError: null,
              completed: true,
            },
          },
        ],
        new Date(0),
      );
    if (finished) await finish();
    return { event: e, deliveryId: id, finish };
  };

  const stored = async (from = db) => {
    const rows = await from.query<Array<{ tenant_id: string; days_ago: number; deliveries: number; attempts: number }>>(
      `SELECT e.tenant_id, (e.data->>'daysAgo')::int AS days_ago,
              (SELECT count(*)::int FROM deliveries d WHERE d.event_id = e.id) AS deliveries,
              (SELECT count(*)::int FROM delivery_attempts a JOIN deliveries d ON d.id = a.delivery_id
                WHERE d.event_id = e.id) AS attempts
         FROM events e ORDER BY 1, 2 DESC`,
    );
    return rows.map((r) => `${r.tenant_id} ${r.days_ago}d ${r.deliveries}/${r.attempts}`);
  };

  it('drops whole days past every retention, deletes a shorter retention row by row, and keeps what is to attempt', async () => {
    const made: Record<string, Awaited<ReturnType<typeof deliver>>> = {};
    for (const daysAgo of [20, 15, 12, 6, 4, 1]) {
      for (const tenant of ['ten_a', 'ten_b']) made[`${tenant} ${daysAgo}`] = await deliver(event(tenant, daysAgo));
    }
    // Still retrying, 15 days after its event came in.
    const held = await deliver(event('ten_a', 15), false);
    expect(await stored()).toHaveLength(13);

    const report = (await jobs[0]!.runOnce(now))!;
    const date = (daysAgo: number) => dayOf(daysAgo).toISOString().slice(0, 10);
    expect(report.droppedDays).toEqual([date(20), date(12)]);
    expect(report.heldDays).toEqual([date(15)]);
    // ten_b (3 days) loses its days 15 (held, finished rows only), 6 and 4; ten_a (10 days) its day 15 finished rows.
    expect(report.deletedDeliveries).toBe(4);
    expect(report.deletedEvents).toBe(4);
    expect(report.expiredIds).toBe(8);
    expect(await stored()).toEqual(['ten_a 15d 1/0', 'ten_a 6d 1/1', 'ten_a 4d 1/1', 'ten_a 1d 1/1', 'ten_b 1d 1/1']);
    const [orphans] = await db.query(
      `SELECT count(*)::int AS n FROM delivery_attempts a WHERE NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.id = a.delivery_id)`,
    );
    expect(orphans.n).toBe(0);
    const partitions = await db.query<Array<{ name: string }>>(
      `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
        WHERE i.inhparent = ANY(ARRAY['events', 'deliveries', 'delivery_attempts']::regclass[])`,
    );
    const suffix = (daysAgo: number) => date(daysAgo).replaceAll('-', '');
    expect(partitions.filter((p) => p.name.endsWith(suffix(20)) || p.name.endsWith(suffix(12)))).toEqual([]);
    expect(partitions.filter((p) => p.name.endsWith(suffix(15)))).toHaveLength(3);

    // What went is remembered as expired; what stays, or never was, is not.
    for (const key of ['ten_a 20', 'ten_b 20', 'ten_a 12', 'ten_a 15', 'ten_b 15', 'ten_b 6', 'ten_b 4']) {
      const { event } = made[key]!;
      expect([key, await wasExpired(db, event.tenantId, event.id)]).toEqual([key, true]);
    }
    expect(await wasExpired(db, 'ten_a', made['ten_a 6']!.event.id)).toBe(false);
    expect(await wasExpired(db, 'ten_b', made['ten_a 20']!.event.id)).toBe(false); // another tenant's id
    expect(await wasExpired(db, 'ten_a', 'evt_never_stored')).toBe(false);

    // Run again: nothing left to do. Once the held delivery is finished, its day goes whole.
    const again = (await jobs[0]!.runOnce(now))!;
    expect(again).toMatchObject({ droppedDays: [], heldDays: [date(15)], deletedDeliveries: 0, deletedEvents: 0 });
    await held.finish();
    const last = (await jobs[0]!.runOnce(now))!;
    expect(last.droppedDays).toEqual([date(15)]);
    expect(await wasExpired(db, 'ten_a', held.event.id)).toBe(true);
    expect(await stored()).toEqual(['ten_a 6d 1/1', 'ten_a 4d 1/1', 'ten_a 1d 1/1', 'ten_b 1d 1/1']);

    // A late write into a dropped day (an event consumed late from Kafka) creates the day again.
    await deliver(event('ten_a', 20));
    expect(await stored()).toContain('ten_a 20d 1/1');
  });

  it('deletes what is past every retention, row by row, in the range an upgrade attached before the first day', async () => {
    // An upgraded database: the old tables are the partition of everything before the first day (here, today).
    const upgraded = await scratchDatabase((url) => dataSourceOptions(url, { poolSize: 2 }));
    await upgraded.migrate();
    const udb = await new DataSource(dataSourceOptions(upgraded.url, { poolSize: 2 })).initialize();
    try {
      await attachLegacyRange(udb, ['events', 'deliveries', 'delivery_attempts'], dayStart(now));
      await seedTenants(udb);
      const ustore = new DeliveryStore(udb, new EventPartitions(udb));
      for (const daysAgo of [40, 12, 5, 1]) {
        for (const tenant of ['ten_a', 'ten_b']) await deliver(event(tenant, daysAgo), true, ustore);
      }
      const held = await deliver(event('ten_a', 15), false, ustore);
      const [legacy] = await udb.query(`SELECT count(*)::int AS n FROM deliveries_legacy`);
      expect(legacy.n).toBe(9);

      const job = new RetentionJob(udb, new RetentionStore(udb), new EventPartitions(udb), config);
      const report = (await job.runOnce(now))!;
      // Past every retention (10 days): days 40 and 12 of both tenants, and 15's event stays with its delivery to
      // attempt; ten_b (3 days) loses day 5 as well. The range itself stays: its last day is today's eve.
      expect(report).toMatchObject({ droppedDays: [], heldDays: [], deletedDeliveries: 5, deletedEvents: 5 });
      expect(await stored(udb)).toEqual(['ten_a 15d 1/0', 'ten_a 5d 1/1', 'ten_a 1d 1/1', 'ten_b 1d 1/1']);
      expect(await wasExpired(udb, 'ten_a', held.event.id)).toBe(false);
      const [attempts] = await udb.query(`SELECT count(*)::int AS n FROM delivery_attempts_legacy`);
      expect(attempts.n).toBe(3);
    } finally {
      await udb.destroy();
      await upgraded.drop();
    }
  });

  it('drops a day without holding up writers behind a transaction it must wait for, and finishes a drop a dead pass left', async () => {
    const old = await deliver(event('ten_a', 25));
    // A writer's open transaction, as fan-out's outcome writes hold one: the day's partitions reference endpoints, so
    // their DROP must wait for it.
    const writer = other.createQueryRunner();
    await writer.connect();
    await writer.startTransaction();
    await writer.query(`UPDATE endpoints SET url = url WHERE id = 'ep_ten_a'`);
    const pass = jobs[0]!.runOnce(now);
    let passDone = false;
    void pass.then(() => (passDone = true));
    // Meanwhile other writers go on: a DROP waiting in the lock queue would hold each of them up until the open
    // transaction ends (here, for good).
    const slowest: number[] = [];
    const until = Date.now() + 2000;
    while (Date.now() < until && !passDone) {
      const started = Date.now();
      // Bounded, so that a writer held up fails the check below rather than the test's timeout.
      await other
        .transaction(async (tx) => {
          await tx.query(`SET LOCAL statement_timeout = '1000ms'`);
          await tx.query(`UPDATE endpoints SET url = url WHERE id = 'ep_ten_b'`);
        })
        .catch(() => undefined);
      slowest.push(Date.now() - started);
    }
    expect(passDone).toBe(false);
    expect(Math.max(...slowest)).toBeLessThan(500);
    await writer.commitTransaction();
    await writer.release();
    const report = (await pass)!;
    // (With the day the first test wrote late into, 20 days ago.)
    expect(report.droppedDays).toContain(dayOf(25).toISOString().slice(0, 10));
    expect(await wasExpired(db, 'ten_a', old.event.id)).toBe(true);

    // A pass that died between detaching a partition and dropping it left a table named like a partition: the next
    // pass drops it.
    const suffix = dayOf(26).toISOString().slice(0, 10).replaceAll('-', '');
    await db.query(`CREATE TABLE delivery_attempts_p${suffix} (LIKE delivery_attempts)`);
    await jobs[0]!.runOnce(now);
    const [left] = await db.query(`SELECT to_regclass('delivery_attempts_p${suffix}') IS NOT NULL AS exists`);
    expect(left.exists).toBe(false);
  }, 30_000);

  it('runs one pass at a time across instances', async () => {
    // While another instance holds the pass (its lock), this one's pass does not run.
    const meanwhile = await withRetentionLock(other, 'events', () => jobs[0]!.runOnce(now));
    expect(meanwhile).toBeNull();
    expect(await jobs[0]!.runOnce(now)).not.toBeNull();
  });
});
