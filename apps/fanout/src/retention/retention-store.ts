import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { ExpiredEventsWriter, dropPartition, finishDetaching, partitionsByDay } from '@gateway/persistence';

/** Rows per delete statement: each is a short transaction of its own. */
const BATCH = 5000;
/** Events read, remembered as expired, then deleted in batches: one filter of the expired ids per page. */
const PAGE = 50_000;
export const EVENT_TABLES = ['delivery_attempts', 'deliveries', 'events'] as const;

/** One day of events with its deliveries and attempts (or the legacy range before the first day). */
export type EventDay = Awaited<ReturnType<typeof partitionsByDay<(typeof EVENT_TABLES)[number]>>>[number];

/**
 * The SQL of retention on events, deliveries and delivery_attempts: whole days detached and dropped, or rows deleted
 * in short batches, each addressing one day's partitions by name (no partition pruning to get wrong, and `ctid` is
 * the cheapest way back to a row just read).
 */
@Injectable()
export class RetentionStore {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** The days, oldest first; and detaches a dead pass left pending, finished. */
  async days(): Promise<EventDay[]> {
    await finishDetaching(this.db, [...EVENT_TABLES]);
    return partitionsByDay(this.db, EVENT_TABLES);
  }

  /** Whether a delivery of this day is still to be attempted (it is never removed, nor is its event). */
  async hasUnfinished(day: EventDay): Promise<boolean> {
    if (!day.deliveries) return false;
    const [row] = await this.db.query<Array<{ found: boolean }>>(
      `SELECT EXISTS (SELECT 1 FROM ${day.deliveries} WHERE status IN ('pending', 'retrying')) AS found`,
    );
    return row?.found ?? false;
  }

  /**
   * Remembers every event id of the day as expired, then drops its attempts, deliveries and events; `pause` after
   * each page of ids and each partition.
   */
  async dropDay(day: EventDay, expired: ExpiredEventsWriter, pause: () => Promise<void>): Promise<void> {
    if (day.events) {
      let after = '';
      for (;;) {
        const rows = await this.db.query<Array<{ tenant_id: string; id: string }>>(
          `SELECT tenant_id, id FROM ${day.events} WHERE id > $1 ORDER BY id LIMIT 10000`,
          [after],
        );
        for (const row of rows) await expired.add(row.tenant_id, row.id);
        if (rows.length < 10000) break;
        after = rows[rows.length - 1]!.id;
        await pause();
      }
      await expired.flush();
    }
    for (const table of EVENT_TABLES) {
      const partition = day[table];
      if (!partition) continue;
      await pause();
      await dropPartition(this.db, table, partition);
    }
  }

  /**
   * Deletes the day's rows received before `before` (of one tenant, or of all): finished deliveries with their
   * attempts, then events left without a delivery, remembered as expired. Batches of 5,000 rows, `pause` between
   * them. Returns how many deliveries and events went.
   */
  async deleteRows(
    day: EventDay,
    scope: { before: Date; tenantId?: string },
    expired: ExpiredEventsWriter,
    pause: () => Promise<void>,
  ): Promise<{ deliveries: number; events: number }> {
    const removed = { deliveries: 0, events: 0 };
    const tenant = scope.tenantId ? `AND tenant_id = $3` : '';
    const params = (after: string) => [scope.before.toISOString(), after, ...(scope.tenantId ? [scope.tenantId] : [])];
    if (day.deliveries) {
      let after = '';
      for (;;) {
        const [row] = await this.db.query<Array<{ n: number; last: string | null }>>(
          `WITH doomed AS (
             SELECT ctid, id FROM ${day.deliveries}
              WHERE event_received_at < $1 AND id > $2 ${tenant} AND status IN ('succeeded', 'failed')
              ORDER BY id LIMIT ${BATCH}
           ), gone AS (
             DELETE FROM ${day.deliveries} d USING doomed WHERE d.ctid = doomed.ctid RETURNING d.id
           ), attempts AS (
             ${day.delivery_attempts ? `DELETE FROM ${day.delivery_attempts} a USING gone WHERE a.delivery_id = gone.id RETURNING 1` : 'SELECT 1 WHERE false'}
           )
           SELECT (SELECT count(*)::int FROM gone) AS n, (SELECT max(id) FROM doomed) AS last,
                  (SELECT count(*) FROM attempts) AS attempts`,
          params(after),
        );
        removed.deliveries += row?.n ?? 0;
        if (!row?.last) break;
        after = row.last;
        await pause();
      }
    }
    if (day.events) {
      const orphan = day.deliveries
        ? `AND NOT EXISTS (SELECT 1 FROM ${day.deliveries} d WHERE d.event_id = e.id AND d.event_received_at = e.received_at)`
        : '';
      let after = '';
      for (;;) {
        // Remembered as expired before they go, a page at a time: a pass that dies in between leaves ids remembered
        // whose events are still stored (and found first), never an event gone and forgotten.
        const page = await this.db.query<Array<{ ctid: string; tenant_id: string; id: string }>>(
          `SELECT e.ctid::text AS ctid, e.tenant_id, e.id FROM ${day.events} e
            WHERE e.received_at < $1 AND e.id > $2 ${tenant.replace('tenant_id', 'e.tenant_id')} ${orphan}
            ORDER BY e.id LIMIT ${PAGE}`,
          params(after),
        );
        if (!page.length) break;
        for (const row of page) await expired.add(row.tenant_id, row.id);
        await expired.flush();
        for (let i = 0; i < page.length; i += BATCH) {
          const batch = page.slice(i, i + BATCH);
          const [row] = await this.db.query<Array<{ n: number }>>(
            `WITH gone AS (
               DELETE FROM ${day.events} e WHERE e.ctid = ANY($1::tid[]) AND e.id = ANY($2::varchar[]) ${orphan}
               RETURNING 1
             )
             SELECT count(*)::int AS n FROM gone`,
            [batch.map((r) => r.ctid), batch.map((r) => r.id)],
          );
          removed.events += row?.n ?? 0;
          await pause();
        }
        if (page.length < PAGE) break;
        after = page[page.length - 1]!.id;
      }
    }
    return removed;
  }
}
