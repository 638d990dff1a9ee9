import { createHash } from 'node:crypto';
import { DataSource } from 'typeorm';
import { DailyPartitions, dataSourceOptions } from '@gateway/persistence';

const DAY = 86_400_000;

export interface OldHistory {
  /** Events written, all of them delivered (succeeded) to every endpoint but the ones below. */
  events: number;
  deliveries: number;
  /** Events whose deliveries are still retrying (not due for an hour): their `receiptNumber`s. */
  retrying: string[];
  /** Ids of delivered events, one per day written. */
  finishedEventIds: string[];
}

/**
 * Writes a tenant's history on past days (each `daysAgo` in the list: `perDay` events delivered to every endpoint, one
 * in ten retried once), as fan-out would have stored it; and on each day `retryingPerDay(daysAgo)` events whose
 * deliveries are still retrying, next due in an hour. Receipt numbers are `<prefix>-<daysAgo>-<n>`.
 */
export async function writeOldHistory(
  url: string,
  options: {
    tenantId: string;
    endpointIds: string[];
    daysAgo: number[];
    perDay: number;
    /** Events of the day `daysAgo` whose deliveries are still retrying. */
    retryingPerDay: (daysAgo: number) => number;
    prefix: string;
  },
): Promise<OldHistory> {
  const db = await new DataSource(
    dataSourceOptions(url, { poolSize: 1, applicationName: 'chaos-history' }),
  ).initialize();
  const today = Math.floor(Date.now() / DAY) * DAY;
  const history: OldHistory = { events: 0, deliveries: 0, retrying: [], finishedEventIds: [] };
  try {
    for (const daysAgo of options.daysAgo) {
      const day = new Date(today - daysAgo * DAY);
      for (const table of ['events', 'deliveries', 'delivery_attempts']) {
        await new DailyPartitions(db, table).ensure([day]);
      }
      const tag = `${options.prefix}-${daysAgo}`;
      const n = options.perDay + options.retryingPerDay(daysAgo);
      await db.transaction(async (tx) => {
        // Events received evenly through the day; ids hashed, as the gateway's are.
        await tx.query(
          `INSERT INTO events (id, tenant_id, source_id, type, provider, received_at, occurred_at, data)
           SELECT 'evt_' || substr(md5($1 || '-' || i), 1, 32), $2, 'src_chaos_history', 'kaynko.sale.completed',
                  'kaynko', at, at, jsonb_build_object('receiptNumber', $1 || '-' || i, 'total', i)
             FROM generate_series(0, $3 - 1) i,
                  LATERAL (SELECT date_trunc('milliseconds', $4::timestamptz + i * (interval '1 day' / $3)) AS at) t`,
          [tag, options.tenantId, n, day.toISOString()],
        );
        // The first perDay delivered (200 at the first attempt, or the second: one in ten); the rest retrying.
        await tx.query(
          `INSERT INTO deliveries (id, event_id, endpoint_id, tenant_id, event_type, status, attempt_count,
                                   next_attempt_at, last_status_code, last_error, created_at, updated_at,
                                   completed_at, event_received_at, first_attempt_id, first_attempt_started_at,
                                   first_attempt_duration_ms, first_attempt_status_code)
           SELECT 'dlv_chaos_' || substr(md5($1 || '-' || i || '-' || e), 1, 28), 'evt_' || substr(md5($1 || '-' || i), 1, 32),
                  ($2::varchar[])[e + 1], $3, 'kaynko.sale.completed',
                  CASE WHEN retrying THEN 'retrying' ELSE 'succeeded' END,
                  CASE WHEN i % 10 = 0 AND NOT retrying THEN 2 ELSE 1 END,
                  CASE WHEN retrying THEN now() + interval '1 hour' END,
                  CASE WHEN retrying THEN 503 ELSE 200 END,
                  CASE WHEN retrying THEN 'endpoint answered 503' END,
                  at, at, CASE WHEN retrying THEN NULL ELSE at END, at,
                  'att_chaos_' || substr(md5($1 || '-' || i || '-' || e), 1, 28), at, 40, CASE WHEN retrying THEN 503 ELSE 200 END
             FROM generate_series(0, $4 - 1) i, generate_series(0, cardinality($2::varchar[]) - 1) e,
                  LATERAL (SELECT date_trunc('milliseconds', $5::timestamptz + i * (interval '1 day' / $4)) AS at,
                                  i >= $6 AS retrying) t`,
          [tag, options.endpointIds, options.tenantId, n, day.toISOString(), options.perDay],
        );
        await tx.query(
          `INSERT INTO delivery_attempts (id, delivery_id, endpoint_id, number, started_at, duration_ms, status_code,
                                          event_received_at)
           SELECT 'att_chaos_' || substr(md5($1 || '-' || i || '-' || e || '-2'), 1, 28), 'dlv_chaos_' || substr(md5($1 || '-' || i || '-' || e), 1, 28),
                  ($2::varchar[])[e + 1], 2, at + interval '5 seconds', 35, 200, at
             FROM generate_series(0, $3 - 1, 10) i, generate_series(0, cardinality($2::varchar[]) - 1) e,
                  LATERAL (SELECT date_trunc('milliseconds', $4::timestamptz + i * (interval '1 day' / $5)) AS at) t`,
          [tag, options.endpointIds, options.perDay, day.toISOString(), n],
        );
      });
      history.events += n;
      history.deliveries += n * options.endpointIds.length;
      for (let i = options.perDay; i < n; i++) history.retrying.push(`${tag}-${i}`);
      history.finishedEventIds.push(`evt_${createHash('md5').update(`${tag}-1`).digest('hex')}`);
    }
    return history;
  } finally {
    await db.destroy();
  }
}

/** The tenant's deliveries of its history still stored: finished, and still to attempt. */
export async function historyLeft(url: string, tenantId: string): Promise<{ finished: number; unfinished: number }> {
  const db = await new DataSource(dataSourceOptions(url, { poolSize: 1 })).initialize();
  try {
    const [row] = await db.query<Array<{ finished: number; unfinished: number }>>(
      `SELECT count(*) FILTER (WHERE status IN ('succeeded', 'failed'))::int AS finished,
              count(*) FILTER (WHERE status IN ('pending', 'retrying'))::int AS unfinished
         FROM deliveries WHERE tenant_id = $1 AND id LIKE 'dlv_chaos_%'`,
      [tenantId],
    );
    return row!;
  } finally {
    await db.destroy();
  }
}

/** Makes the history's retrying deliveries due now, as their next attempt's time came (their hour, compressed). */
export async function makeHistoryDue(url: string, tenantId: string): Promise<number> {
  const db = await new DataSource(dataSourceOptions(url, { poolSize: 1 })).initialize();
  try {
    const rows = await db.query<Array<{ id: string }>>(
      `WITH due AS (
         UPDATE deliveries SET next_attempt_at = now()
          WHERE tenant_id = $1 AND id LIKE 'dlv_chaos_%' AND status = 'retrying' RETURNING id
       ) SELECT id FROM due`,
      [tenantId],
    );
    return rows.length;
  } finally {
    await db.destroy();
  }
}
