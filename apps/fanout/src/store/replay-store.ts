import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { CanonicalEventV1, IdPrefix } from '@gateway/contracts';
import { EventRow, canonicalEvent, eventColumns, eventMatchParams, eventMatchSql } from '@gateway/persistence';
import { newId } from '@gateway/security';
import type { LaneRef } from './delivery-store';

interface ReplayRow {
  id: string;
  tenant_id: string;
  endpoint_id: string;
  since: Date;
  until: Date;
  event_types: string[];
  cursor_received_at: Date | null;
  cursor_event_id: string | null;
}

/** Replay jobs' SQL: claim one under a lease, turn its next chunk of events into deliveries, advance its cursor. */
@Injectable()
export class ReplayStore {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** Claims the oldest open replay no other instance holds; null when there is none. */
  async claim(leaseSeconds: number): Promise<ReplayRow | null> {
    const [row] = await this.db.query<ReplayRow[]>(
      `WITH next AS (
         SELECT id FROM replays
          WHERE status IN ('pending', 'running') AND (lease_until IS NULL OR lease_until < now())
          ORDER BY created_at LIMIT 1 FOR UPDATE SKIP LOCKED
       ), claimed AS (
         UPDATE replays r SET status = 'running', lease_until = now() + make_interval(secs => $1), updated_at = now()
           FROM next WHERE r.id = next.id
         RETURNING r.id, r.tenant_id, r.endpoint_id, r.since, r.until, r.event_types, r.cursor_received_at, r.cursor_event_id
       )
       SELECT * FROM claimed`,
      [leaseSeconds],
    );
    return row ?? null;
  }

  /**
   * Creates deliveries for those of the next `chunk` events of the replay's types (in received order) that `accepts`
   * (those its endpoint receives: see EndpointCache.receives), and advances the cursor past all of them, in one
   * transaction; completes the replay when the window is exhausted. For an ordered endpoint (`laneOf`), each delivery
   * waits in the replay's own lane for its key (`r:<replayId>:<lane>`), in this order. Returns the lanes written to.
   */
  async scheduleChunk(
    replay: ReplayRow,
    chunk: number,
    accepts: ((event: CanonicalEventV1) => boolean) | null,
    laneOf: ((event: CanonicalEventV1) => string) | null = null,
  ): Promise<LaneRef[]> {
    return this.db.transaction(async (tx) => {
      const cursor = replay.cursor_received_at
        ? `AND (e.received_at, e.id) > ($8::timestamptz, $9::varchar)`
        : `AND $8::timestamptz IS NULL AND $9::varchar IS NULL`;
      const read = await tx.query<EventRow[]>(
        `SELECT ${eventColumns('e')} FROM events e
          WHERE e.tenant_id = $1 AND e.received_at >= $2 AND e.received_at < $3 AND ${eventMatchSql('e', 4)} ${cursor}
          ORDER BY e.received_at, e.id LIMIT $10`,
        [
          replay.tenant_id,
          replay.since.toISOString(),
          replay.until.toISOString(),
          ...eventMatchParams(replay.event_types),
          replay.cursor_received_at?.toISOString() ?? null,
          replay.cursor_event_id,
          chunk,
        ],
      );
      const events = read.filter((row) => !accepts || accepts(canonicalEvent(row)));
      const lanes = laneOf ? events.map((row) => `r:${replay.id}:${laneOf(canonicalEvent(row))}`) : [];
      // Places in the lanes, increasing in the order of the events (the sequence's values are ascending per call,
      // and every later chunk's are higher).
      const seqs = lanes.length
        ? (
            await tx.query<Array<{ n: string }>>(
              `SELECT nextval('replay_lane_seq')::text AS n FROM generate_series(1, $1)`,
              [lanes.length],
            )
          )
            .map((r) => BigInt(r.n))
            .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
            .map(String)
        : [];
      if (events.length) {
        await tx.query(
          `INSERT INTO deliveries (id, event_id, endpoint_id, tenant_id, event_type, replay_id, status, next_attempt_at,
                                   event_received_at, lane, lane_seq)
           SELECT d.id, d.event_id, $3, $4, d.event_type, $5, 'pending', now(), d.event_received_at, d.lane, d.lane_seq
             FROM unnest($1::varchar[], $2::varchar[], $6::varchar[], $7::timestamptz[], $8::text[], $9::bigint[])
                  AS d(id, event_id, event_type, event_received_at, lane, lane_seq)`,
          [
            events.map(() => newId(IdPrefix.delivery)),
            events.map((e) => e.id),
            replay.endpoint_id,
            replay.tenant_id,
            replay.id,
            events.map((e) => e.type),
            // In the event's partition: a replayed delivery expires with its event.
            events.map((e) => e.received_at.toISOString()),
            events.map((_, i) => lanes[i] ?? null),
            events.map((_, i) => seqs[i] ?? null),
          ],
        );
      }
      const last = read[read.length - 1];
      const done = read.length < chunk;
      await tx.query(
        `UPDATE replays SET scheduled = scheduled + $2, cursor_received_at = COALESCE($3, cursor_received_at),
                cursor_event_id = COALESCE($4, cursor_event_id), lease_until = NULL, updated_at = now(),
                status = CASE WHEN $5 THEN 'completed' ELSE status END,
                completed_at = CASE WHEN $5 THEN now() ELSE NULL END
          WHERE id = $1`,
        [replay.id, events.length, last?.received_at.toISOString() ?? null, last?.id ?? null, done],
      );
      const touched = new Map(lanes.map((lane) => [lane, { endpointId: replay.endpoint_id, lane }]));
      return [...touched.values()];
    });
  }
}
