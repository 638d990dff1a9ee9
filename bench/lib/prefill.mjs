// A month of history for the "prefilled" scenario: events, their deliveries to ten endpoints and the attempts of the
// ones retried, written with SQL (INSERT … SELECT generate_series) as fan-out would have stored them: each day in its
// own partitions, named as the services name them, instants in milliseconds as the gateway writes them, ids shaped as
// the gateway's (hashes for events, time-ordered for
// deliveries and attempts). As a bulk load is done: each day's table is filled first, then attached as the day's
// partition, which builds its indexes in one sorted pass each (several times faster than row by row). Then it is
// vacuumed, as autovacuum leaves a month-old database day by day: left to autovacuum, a fresh bulk load is vacuumed
// during the measured rounds (about two minutes of one core, partition after partition).
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { ROOT } from '../../tools/scripts/lib/util.mjs';
import { SALE } from './kaynko-sale.mjs';

const require = createRequire(join(ROOT, 'package.json'));
const DAY = 86_400_000;

/**
 * Writes `events` events spread evenly over the `days` days before the first day the services keep a partition for
 * (today, UTC; yesterday in a run that crossed midnight), each delivered once to each of
 * `endpointIds` (succeeded, its first attempt in the row), one in ten of those deliveries retried once (a row of
 * delivery_attempts). Returns what it wrote and how long it took.
 */
export async function prefill(url, { tenantId, sourceId, endpointIds, events, days, now = Date.now() }) {
  const { DataSource } = require('typeorm');
  const { dataSourceOptions, partitionName } = require(join(ROOT, 'dist/libs/persistence/src/index.js'));
  const db = await new DataSource(
    dataSourceOptions(url, { poolSize: 2, applicationName: 'bench-prefill' }),
  ).initialize();
  const started = Date.now();
  const perDay = Math.ceil(events / days);
  try {
    // The month ends where the services' own partitions begin: they keep the day they started on and the days ahead,
    // so in a run that crossed midnight (UTC) yesterday has its partitions already.
    let end = Math.floor(now / DAY) * DAY;
    while (await hasPartition(db, partitionName('events', new Date(end - DAY)))) end -= DAY;
    const dayStarts = Array.from({ length: days }, (_, i) => new Date(end - (days - i) * DAY));
    for (const [d, day] of dayStarts.entries()) {
      const name = (table) => partitionName(table, day);
      await db.transaction(async (tx) => {
        // Room for each index build to sort in memory.
        await tx.query(`SET LOCAL maintenance_work_mem = '256MB'`);
        for (const table of ['events', 'deliveries', 'delivery_attempts']) {
          await tx.query(`CREATE TABLE ${name(table)} (LIKE ${table} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)`);
        }
        // Delivery and attempt ids `dlv_00<day><n><endpoint>`: before the gateway's own (`dlv_01…`), in time order.
        const tag = `00${String(d).padStart(2, '0')}`;
        const params = [day.toISOString(), perDay, tag, tenantId, sourceId, JSON.stringify(SALE.data)];
        // The day's events: received evenly through the day; the id a hash, as the gateway's are.
        await tx.query(
          `INSERT INTO ${name('events')} (id, tenant_id, source_id, type, provider, received_at, occurred_at, data)
           SELECT 'evt_' || substr(md5($3 || '-' || i), 1, 32), $4, $5, 'kaynko.sale.completed', 'kaynko',
                  date_trunc('milliseconds', $1::timestamptz + i * (interval '1 day' / $2)),
                  date_trunc('milliseconds', $1::timestamptz + i * (interval '1 day' / $2)),
                  $6::jsonb || jsonb_build_object('saleId', i, 'receiptNumber', 'PF-' || $3 || '-' || i)
             FROM generate_series(0, $2 - 1) i`,
          params,
        );
        // Each event to each endpoint, attempted once (200) about 40 ms after it came in; ids in time order.
        await tx.query(
          `INSERT INTO ${name('deliveries')} (id, event_id, endpoint_id, tenant_id, event_type, status, attempt_count,
                                   last_status_code, created_at, updated_at, completed_at, event_received_at,
                                   first_attempt_id, first_attempt_started_at, first_attempt_duration_ms,
                                   first_attempt_status_code)
           SELECT 'dlv_' || $3 || lpad(i::text, 8, '0') || lpad(e::text, 3, '0'),
                  'evt_' || substr(md5($3 || '-' || i), 1, 32), ($5::varchar[])[e + 1], $4,
                  'kaynko.sale.completed', 'succeeded', CASE WHEN i % 10 = 0 THEN 2 ELSE 1 END, 200, at, at, at, at,
                  'att_' || $3 || lpad(i::text, 8, '0') || lpad(e::text, 3, '0') || '1', at, 40, 200
             FROM generate_series(0, $2 - 1) i, generate_series(0, cardinality($5::varchar[]) - 1) e,
                  LATERAL (SELECT date_trunc('milliseconds', $1::timestamptz + i * (interval '1 day' / $2)) AS at) t`,
          [day.toISOString(), perDay, tag, tenantId, endpointIds],
        );
        // One in ten retried once: its second attempt in a row of its own.
        await tx.query(
          `INSERT INTO ${name('delivery_attempts')} (id, delivery_id, endpoint_id, number, started_at, duration_ms,
                                          status_code, event_received_at)
           SELECT 'att_' || $3 || lpad(i::text, 8, '0') || lpad(e::text, 3, '0') || '2',
                  'dlv_' || $3 || lpad(i::text, 8, '0') || lpad(e::text, 3, '0'), ($4::varchar[])[e + 1], 2,
                  at + interval '5 seconds', 35, 200, at
             FROM generate_series(0, $2 - 1, 10) i, generate_series(0, cardinality($4::varchar[]) - 1) e,
                  LATERAL (SELECT date_trunc('milliseconds', $1::timestamptz + i * (interval '1 day' / $2)) AS at) t`,
          [day.toISOString(), perDay, tag, endpointIds],
        );
        const to = new Date(day.getTime() + DAY).toISOString();
        for (const table of ['events', 'deliveries', 'delivery_attempts']) {
          await tx.query(
            `ALTER TABLE ${table} ATTACH PARTITION ${name(table)} FOR VALUES FROM ('${day.toISOString()}') TO ('${to}')`,
          );
        }
      });
    }
    const vacuumStarted = Date.now();
    await db.query('VACUUM (ANALYZE) events, deliveries, delivery_attempts');
    return {
      events: perDay * days,
      deliveries: perDay * days * endpointIds.length,
      attempts: Math.ceil(perDay / 10) * days * endpointIds.length,
      days,
      ms: Date.now() - started,
      vacuumMs: Date.now() - vacuumStarted,
    };
  } finally {
    await db.destroy();
  }
}

/** Whether the table exists (a day's partition, by its name). */
async function hasPartition(db, name) {
  const [{ found }] = await db.query(`SELECT to_regclass($1) IS NOT NULL AS found`, [name]);
  return found;
}
