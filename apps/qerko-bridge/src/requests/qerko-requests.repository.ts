import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { QerkoRequestState } from '@gateway/persistence';
import { QerkoRequestPartitions } from './qerko-request-partitions';
import { ANSWERED_CHANNEL } from './answer-signals';

export interface QerkoRequestRow {
  id: string;
  tenant_id: string;
  source_id: string;
  uuid: string;
  method: string;
  state: QerkoRequestState;
  answer: Record<string, unknown> | null;
  deadline_at: Date;
  reply_attempts: number;
}

/**
 * A request is live for QERKO_STALE_AFTER_MS (at most an hour) after it was received: every statement on a live one
 * says so, and reads only the partitions of today and yesterday (the table is partitioned by received_at).
 *
 * The window is two parameters, `live(n)` with `...liveWindow()` as parameters n and n + 1 (a day either side of
 * now), and not `received_at > now() - interval '1 day'`: the planner prunes partitions by parameters' values while
 * planning, but by now() only once the plan runs, and the days ahead satisfy a lower bound alone. Either way it planned
 * every partition of the week ahead, which was most of each statement's cost (about 1 ms a statement). This process's
 * clock is a day off the database's only if something else is badly wrong.
 */
const LIVE_FOR_MS = 24 * 3600_000;
const live = (n: number, alias = '') =>
  `${alias}received_at > $${n}::timestamptz AND ${alias}received_at < $${n + 1}::timestamptz`;
const liveWindow = (): [Date, Date] => [new Date(Date.now() - LIVE_FOR_MS), new Date(Date.now() + LIVE_FOR_MS)];

/**
 * A source's uuid names one request for this long: a second one within it is refused (Qerko re-sends a request for
 * seconds, never days). The partitions of other days are not searched.
 */
const UUID_UNIQUE_WITHIN_MS = 7 * 24 * 3600_000;
/** The partitions of that week (and of tomorrow, either side of midnight): the bounds of `live(n)` over it. */
const weekWindow = (now = Date.now()): [Date, Date] => [
  new Date(now - UUID_UNIQUE_WITHIN_MS),
  new Date(now + LIVE_FOR_MS),
];

/** Appends a timeline entry in the same statement as the transition it records. */
const note = (what: string, detail = 'NULL') =>
  `timeline = timeline || jsonb_build_array(jsonb_strip_nulls(jsonb_build_object('at', now(), 'what', '${what}', 'detail', ${detail})))`;

/**
 * The request state machine in SQL. Every transition is one conditional UPDATE, so the row lock serialises racing
 * instances and only one of them can win: pending → answered_sync | answered_async | failed | stale.
 */
@Injectable()
export class QerkoRequestsRepository {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly partitions: QerkoRequestPartitions,
  ) {}

  /**
   * Records a new request; null when this source already sent this uuid. A partitioned table's unique index must hold
   * the partition key, so (source, uuid) is kept unique under a lock of its own: the check and the insert are one
   * at a time for one uuid of one source, across instances; the check runs after the lock, so it sees a request
   * committed by whoever held the lock before.
   */
  async create(r: {
    id: string;
    tenantId: string;
    sourceId: string;
    uuid: string;
    method: string;
    args: unknown[];
    eventId: string;
    staleAfterMs: number;
  }): Promise<string | null> {
    // The database's clock decides the day; either side of midnight, both days are ready.
    const now = Date.now();
    return this.partitions.write([new Date(now - 60_000), new Date(now + 60_000)], () =>
      this.db.transaction(async (tx) => {
        await tx.query(`SELECT pg_advisory_xact_lock(hashtext('gateway.qerko_request'), hashtext($1 || ' ' || $2))`, [
          r.sourceId,
          r.uuid,
        ]);
        const rows = await tx.query<Array<{ id: string }>>(
          `INSERT INTO qerko_requests (id, tenant_id, source_id, uuid, method, args, event_id, deadline_at, timeline)
           SELECT $1::varchar, $2::varchar, $3::varchar, $4::varchar, $5::varchar, $6::jsonb, $7::varchar,
                  now() + make_interval(secs => $8 / 1000.0),
                  jsonb_build_array(jsonb_build_object('at', now(), 'what', 'received'))
            WHERE NOT EXISTS (SELECT 1 FROM qerko_requests
                               WHERE source_id = $3 AND uuid = $4
                                 AND received_at > $9::timestamptz AND received_at < $10::timestamptz)
           ON CONFLICT (source_id, uuid, received_at) DO NOTHING RETURNING id`,
          [
            r.id,
            r.tenantId,
            r.sourceId,
            r.uuid,
            r.method,
            JSON.stringify(r.args),
            r.eventId,
            r.staleAfterMs,
            ...weekWindow(now),
          ],
        );
        return rows[0]?.id ?? null;
      }),
    );
  }

  async noteDelivered(id: string): Promise<void> {
    await this.db.query(`UPDATE qerko_requests SET ${note('published to the POS')} WHERE id = $1 AND ${live(2)}`, [
      id,
      ...liveWindow(),
    ]);
  }

  /**
   * Stores the POS's answer if the request still waits for one and is not stale, and notifies ANSWERED_CHANNEL with
   * the request's id. Returns the request, or null when it was answered already, went stale, or does not exist (the
   * caller answers 409 / ignores a late sync reply).
   */
  async storeAnswer(
    tenantId: string,
    uuid: string,
    answer: object,
    via: 'sync-response' | 'reply-api',
  ): Promise<QerkoRequestRow | null> {
    const rows = await this.db.query<QerkoRequestRow[]>(
      `WITH target AS (
         SELECT id FROM qerko_requests
          WHERE tenant_id = $1 AND uuid = $2 AND state = 'pending' AND answer IS NULL AND now() < deadline_at
            AND ${live(5)}
          ORDER BY received_at DESC LIMIT 1 FOR UPDATE
       ), stored AS (
         UPDATE qerko_requests q SET answer = $3, answered_at = now(), answered_via = $4::text, ${note('answered by the POS', '$4::text')}
           FROM target WHERE q.id = target.id AND ${live(5, 'q.')}
         RETURNING q.id, q.tenant_id, q.source_id, q.uuid, q.method, q.state, q.answer, q.deadline_at, q.reply_attempts
       ), notified AS (
         -- Wakes the instance whose webhook request waits for this answer (AnswerSignals), at commit.
         SELECT pg_notify('${ANSWERED_CHANNEL}', id) FROM stored
       )
       SELECT stored.* FROM stored, (SELECT count(*) FROM notified) n`,
      [tenantId, uuid, JSON.stringify(answer), via, ...liveWindow()],
    );
    return rows[0] ?? null;
  }

  /** Why an answer for (tenant, uuid) cannot be taken: for a clear 409. */
  async stateOf(tenantId: string, uuid: string): Promise<{ state: string; answered: boolean; stale: boolean } | null> {
    const [row] = await this.db.query<Array<{ state: string; answered: boolean; stale: boolean }>>(
      `SELECT state, answer IS NOT NULL AS answered, now() >= deadline_at AS stale FROM qerko_requests
        WHERE tenant_id = $1 AND uuid = $2 ORDER BY received_at DESC LIMIT 1`,
      [tenantId, uuid],
    );
    return row ?? null;
  }

  async answerOf(id: string): Promise<Record<string, unknown> | null> {
    const [row] = await this.db.query<Array<{ answer: Record<string, unknown> | null }>>(
      `SELECT answer FROM qerko_requests WHERE id = $1 AND ${live(2)}`,
      [id, ...liveWindow()],
    );
    return row?.answer ?? null;
  }

  /**
   * Ends the synchronous window: answered_sync when an answer is stored already or `offered` (fan-out's offer of the
   * POS's synchronous answer, stored here on the same terms as storeAnswer's: none stored before, not stale),
   * otherwise the request continues asynchronously and a later answer goes to /reply. Exactly one of the two happens.
   */
  async closeSync(
    id: string,
    offered: object | null = null,
  ): Promise<{ state: QerkoRequestState; answer: Record<string, unknown> | null }> {
    const takes = `(answer IS NULL AND $4::jsonb IS NOT NULL AND now() < deadline_at)`;
    const answered = `(answer IS NOT NULL OR ${takes})`;
    const [row] = await this.db.query<Array<{ state: QerkoRequestState; answer: Record<string, unknown> | null }>>(
      `WITH closed AS (
         UPDATE qerko_requests SET sync_closed_at = now(),
                answer = CASE WHEN ${takes} THEN $4::jsonb ELSE answer END,
                answered_at = CASE WHEN ${takes} THEN now() ELSE answered_at END,
                answered_via = CASE WHEN ${takes} THEN 'sync-response' ELSE answered_via END,
                state = CASE WHEN ${answered} THEN 'answered_sync' ELSE state END,
                timeline = timeline
                  || CASE WHEN ${takes} THEN jsonb_build_array(jsonb_build_object('at', now(), 'what', 'answered by the POS', 'detail', 'sync-response')) ELSE '[]'::jsonb END
                  || jsonb_build_array(jsonb_build_object('at', now(), 'what',
                  CASE WHEN ${answered} THEN 'answered to Qerko synchronously (200)' ELSE 'answered 202: the answer will go to /reply' END))
          WHERE id = $1 AND state = 'pending' AND sync_closed_at IS NULL AND ${live(2)}
         RETURNING state, answer
       )
       SELECT * FROM closed`,
      [id, ...liveWindow(), offered === null ? null : JSON.stringify(offered)],
    );
    return row ?? { state: 'failed', answer: null };
  }

  /** Claims answered requests whose webhook already returned 202, to post their answer to Qerko's /reply. */
  async claimForReply(limit: number, leaseMs: number): Promise<QerkoRequestRow[]> {
    return this.db.query<QerkoRequestRow[]>(
      `WITH due AS (
         SELECT id FROM qerko_requests
          WHERE state = 'pending' AND answer IS NOT NULL AND sync_closed_at IS NOT NULL AND now() < deadline_at
            AND (reply_lease_until IS NULL OR reply_lease_until < now()) AND ${live(3)}
          ORDER BY answered_at LIMIT $1 FOR UPDATE SKIP LOCKED
       ), claimed AS (
         UPDATE qerko_requests q SET reply_lease_until = now() + make_interval(secs => $2 / 1000.0)
           FROM due WHERE q.id = due.id AND ${live(3, 'q.')}
         RETURNING q.id, q.tenant_id, q.source_id, q.uuid, q.method, q.state, q.answer, q.deadline_at, q.reply_attempts
       )
       SELECT * FROM claimed`,
      [limit, leaseMs, ...liveWindow()],
    );
  }

  /** Marks a POST to /reply as started: if this instance dies before recording the outcome, it is not re-sent. */
  async replyStarting(id: string): Promise<boolean> {
    const rows = await this.db.query<Array<{ id: string }>>(
      `WITH s AS (
         UPDATE qerko_requests SET reply_started_at = now(), reply_attempts = reply_attempts + 1
          WHERE id = $1 AND state = 'pending' AND reply_started_at IS NULL AND ${live(2)} RETURNING id
       ) SELECT * FROM s`,
      [id, ...liveWindow()],
    );
    return rows.length > 0;
  }

  /** A retryable /reply failure: allowed again, before the deadline. */
  async replyRetryable(id: string, status: number | null, detail: string): Promise<void> {
    await this.db.query(
      `UPDATE qerko_requests SET reply_started_at = NULL, reply_lease_until = now() + interval '250 milliseconds',
              reply_status = $2, ${note('POST /reply failed, will retry', '$3::text')}
        WHERE id = $1 AND state = 'pending' AND ${live(4)}`,
      [id, status, detail, ...liveWindow()],
    );
  }

  async finish(id: string, state: 'answered_async' | 'failed', status: number | null, detail: string): Promise<void> {
    await this.db.query(
      `UPDATE qerko_requests SET state = $2::text, reply_status = $3, replied_at = CASE WHEN $2::text = 'answered_async' THEN now() END,
              failure_reason = CASE WHEN $2::text = 'failed' THEN $4::text END, reply_lease_until = NULL,
              ${note('replied to Qerko', '$4::text')}
        WHERE id = $1 AND state = 'pending' AND ${live(5)}`,
      [id, state, status, detail, ...liveWindow()],
    );
  }

  /**
   * Ends everything past its deadline: `stale`, or `failed` when a POST to /reply was in flight when its instance
   * died (its outcome is unknown, and re-sending could make two answers). Returns what changed.
   *
   * It runs on every tick of the reply worker (ten times a second), so it looks only at the partitions of the last
   * UUID_UNIQUE_WITHIN_MS: over every partition it was planned anew each time, 1.8 ms of PostgreSQL's time a tick with
   * a month of them against 0.5 ms. A deadline is at most an hour after its request; a request still pending beyond
   * that week (every bridge stopped for longer) stays so until retention removes it.
   */
  async expire(): Promise<Array<QerkoRequestRow & { reason: string }>> {
    return this.db.query<Array<QerkoRequestRow & { reason: string }>>(
      `WITH ended AS (
         UPDATE qerko_requests SET
           state = CASE WHEN reply_started_at IS NOT NULL THEN 'failed' ELSE 'stale' END,
           failure_reason = CASE
             WHEN reply_started_at IS NOT NULL THEN 'the bridge stopped while posting /reply; not re-sent, to never answer twice'
             WHEN answer IS NULL THEN 'the POS did not answer within the deadline'
             ELSE 'the answer could not be posted to Qerko before the deadline' END,
           timeline = timeline || jsonb_build_array(jsonb_build_object('at', now(), 'what', 'stale'))
          WHERE state = 'pending' AND deadline_at <= now()
            AND (reply_started_at IS NULL OR reply_lease_until IS NULL OR reply_lease_until < now()) AND ${live(1)}
         RETURNING id, tenant_id, source_id, uuid, method, state, answer, deadline_at, reply_attempts, failure_reason AS reason
       )
       SELECT * FROM ended`,
      weekWindow(),
    );
  }

  /** Requests received in the last hour, by state (for the requests-by-state metric). */
  async countsLastHour(): Promise<Record<string, number>> {
    const rows = await this.db.query<Array<{ state: string; count: string }>>(
      `SELECT state, count(*) AS count FROM qerko_requests WHERE received_at > now() - interval '1 hour' GROUP BY state`,
    );
    return Object.fromEntries(rows.map((r) => [r.state, Number(r.count)]));
  }
}
