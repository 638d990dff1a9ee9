import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import type { CanonicalEventV1 } from '@gateway/contracts';
import {
  type AttemptTimings,
  type DeliveryStatus,
  type EventRow,
  canonicalEvent,
  eventColumns,
  pgArray,
} from '@gateway/persistence';
import { EventPartitions } from './event-partitions';

/** A body sent again by its provider within this long of the first is the same event (the events topic's retention). */
const RESENT_WITHIN = '7 days';
const RESENT_WITHIN_MS = 7 * 24 * 3600_000;

/**
 * A delivery row is created only for an event that is stored (in its partition: one index probe), as the foreign key
 * to events did before the tables were partitioned: a journaled outcome of an event removed since makes no row.
 */
const EVENT_STORED = (row: string) =>
  `EXISTS (SELECT 1 FROM events v WHERE v.id = ${row}.event_id AND v.received_at = ${row}.event_received_at)`;

export interface NewDelivery {
  id: string;
  eventId: string;
  /** The event's receivedAt (as stored): the partition key of the delivery and its attempts. */
  eventReceivedAt: Date;
  endpointId: string;
  tenantId: string;
  eventType: string;
  /** Reserved for this instance (dispatched from memory) until then; null leaves it to the retry poller. */
  leaseUntil: Date | null;
  /** The instance holding the lease (null without one). */
  leaseOwner: string | null;
  nextAttemptAt: Date;
  /** When it was taken from Kafka (default: now). */
  createdAt?: Date;
  /** For an ordered endpoint: the lane it waits in and its place there (the event's Kafka offset). */
  lane?: string | null;
  laneSeq?: string | null;
}

export interface ClaimedDelivery {
  id: string;
  endpointId: string;
  attemptCount: number;
  event: CanonicalEventV1;
}

interface ClaimedLaneRow {
  id: string;
  endpoint_id: string;
  lane: string;
  lane_seq: string | null;
  attempt_count: number;
  event_id: string;
  event_received_at: Date;
  lease_until: Date;
}

/** One lane of an ordered endpoint: the line its deliveries are attempted in, one after another. */
export interface LaneRef {
  endpointId: string;
  lane: string;
}

/** A lane's open deliveries from its head, in order, leased to this instance until `leaseUntil`. */
export interface ClaimedLane extends LaneRef {
  leaseUntil: Date;
  deliveries: ClaimedDelivery[];
}

/** Who claims: this instance, and after how long without a heartbeat another instance's leases are void. */
export interface ClaimOwner {
  id: string;
  deadAfterSeconds: number;
}

/**
 * A row another claim may take: no lease, an expired one, ours, or one of an instance whose heartbeat is stale.
 * `$owner` and `$dead` are the numbers of the owner's parameters.
 */
const FREE = (row: string, owner: number, dead: number) =>
  `(${row}.lease_until IS NULL OR ${row}.lease_until < now() OR ${row}.lease_owner = $${owner}
    OR (${row}.lease_owner IS NOT NULL AND NOT EXISTS (
          SELECT 1 FROM fanout_instances i
           WHERE i.id = ${row}.lease_owner AND i.heartbeat_at > now() - make_interval(secs => $${dead}))))`;

export interface AttemptOutcome {
  /** Null when no request was sent (the circuit was open): the delivery is only rescheduled. */
  attempt: {
    id: string;
    deliveryId: string;
    endpointId: string;
    number: number;
    startedAt: Date;
    durationMs: number;
    statusCode: number | null;
    errorClass: string | null;
    errorMessage: string | null;
    responseBody: string | null;
    timings: AttemptTimings | null;
  } | null;
  delivery: {
    id: string;
    /** Its event's receivedAt, the row's partition key (absent only in journals written before it existed). */
    eventReceivedAt?: Date;
    status: DeliveryStatus;
    attemptCount: number;
    nextAttemptAt: Date | null;
    lastStatusCode: number | null;
    lastError: string | null;
    completed: boolean;
    /** Set when the row does not exist yet (a first attempt from Kafka): it is inserted with this outcome. */
    insert?: RowIdentity & { createdAt: Date };
  };
}

type Attempt = NonNullable<AttemptOutcome['attempt']>;

/**
 * An endpoint that started or stopped failing with this write: `failingSince` set from null by `attempt` (failing), or
 * cleared by it (recovered, `failingSince` the start of the run that ended).
 */
export interface EndpointHealthTurn {
  endpointId: string;
  failing: boolean;
  failingSince: Date;
  attempt: Attempt;
}

/** What a write of outcomes changed in endpoints' health. */
export interface HealthChanges {
  /** Endpoints whose every attempt failed since before the cutoff: to disable. */
  failingTooLong: string[];
  turns: EndpointHealthTurn[];
}

const NO_CHANGES: HealthChanges = { failingTooLong: [], turns: [] };

/** What a delivery row is created with besides its state. */
export interface RowIdentity {
  eventId: string;
  eventReceivedAt: Date;
  endpointId: string;
  tenantId: string;
  eventType: string;
}

/**
 * All of fan-out's SQL. The deliveries table is the durable retry queue: rows are claimed with a lease
 * (`FOR UPDATE SKIP LOCKED`), so any number of fan-out instances share it; a crashed one's work is taken over as
 * soon as its heartbeat is stale (fanout_instances), or at the latest when its leases run out.
 */
@Injectable()
export class DeliveryStore {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly partitions: EventPartitions,
  ) {}

  /**
   * Stores the events, and the deliveries that go straight to the retry queue, in one transaction. Returns the events
   * stored before (consumed again after a crash or a rebalance, or a body its provider sent again within 7 days), each
   * with the receivedAt its stored copy has: that copy is the event, and its deliveries are made for it.
   */
  async persist(events: CanonicalEventV1[], deliveries: NewDelivery[]): Promise<Map<string, Date>> {
    if (!events.length) return new Map();
    return this.partitions.write(
      events.map((e) => e.receivedAt),
      () => this.persistInOne(events, deliveries),
    );
  }

  private persistInOne(events: CanonicalEventV1[], deliveries: NewDelivery[]): Promise<Map<string, Date>> {
    return this.db.transaction(async (tx) => {
      // The id is a hash of the body, and the partition key the day it was received: an event stored before is
      // looked for within the window, in the few partitions it can be in. The batch's whole window is also given as
      // parameters ($9, $10), which the planner prunes by while planning; by the correlated bounds alone it planned
      // every partition (a month of them: most of the statement's cost for a small batch) and pruned only at run time.
      const times = events.map((e) => Date.parse(e.receivedAt));
      const rows: Array<{ id: string; stored_at: Date | null; inserted: boolean }> = await tx.query(
        `WITH batch AS (
           SELECT * FROM unnest($1::varchar[], $2::varchar[], $3::varchar[], $4::varchar[], $5::varchar[],
                                $6::timestamptz[], $7::timestamptz[], $8::jsonb[])
                    AS b(id, tenant_id, source_id, type, provider, received_at, occurred_at, data)
         ), earlier AS (
           SELECT b.id, (SELECT e.received_at FROM events e
                          WHERE e.id = b.id AND e.received_at <= b.received_at
                            AND e.received_at > b.received_at - interval '${RESENT_WITHIN}'
                            AND e.received_at > $9::timestamptz AND e.received_at <= $10::timestamptz
                          ORDER BY e.received_at DESC LIMIT 1) AS stored_at
             FROM batch b
         ), inserted AS (
           INSERT INTO events (id, tenant_id, source_id, type, provider, received_at, occurred_at, data)
           SELECT b.* FROM batch b JOIN earlier p ON p.id = b.id WHERE p.stored_at IS NULL
           ON CONFLICT (id, received_at) DO NOTHING
           RETURNING id
         )
         SELECT p.id, p.stored_at, i.id IS NOT NULL AS inserted FROM earlier p LEFT JOIN inserted i ON i.id = p.id`,
        [
          pgArray(events.map((e) => e.id)),
          pgArray(events.map((e) => e.tenantId)),
          pgArray(events.map((e) => e.sourceId)),
          pgArray(events.map((e) => e.type)),
          pgArray(events.map((e) => e.provider)),
          pgArray(events.map((e) => e.receivedAt)),
          pgArray(events.map((e) => e.occurredAt)),
          pgArray(events.map((e) => JSON.stringify(e.data))),
          new Date(Math.min(...times) - RESENT_WITHIN_MS),
          new Date(Math.max(...times)),
        ],
      );
      const receivedAt = new Map(events.map((e) => [e.id, new Date(e.receivedAt)]));
      const before = new Map<string, Date>();
      for (const row of rows) {
        if (row.inserted) continue;
        // Stored before within the window, or just now by another instance (the conflict): the same copy either way.
        before.set(row.id, row.stored_at ?? receivedAt.get(row.id)!);
      }
      await insertPending(
        tx,
        deliveries.map((d) => (before.has(d.eventId) ? { ...d, eventReceivedAt: before.get(d.eventId)! } : d)),
      );
      return before;
    });
  }

  /** `eventId endpointId` of the live deliveries these events (as stored) already have (for events seen before). */
  async existingDeliveries(events: Map<string, Date>): Promise<Set<string>> {
    if (!events.size) return new Set();
    const at = [...events.values()].map((d) => d.toISOString());
    const rows: Array<{ event_id: string; endpoint_id: string }> = await this.db.query(
      `SELECT d.event_id, d.endpoint_id
         FROM deliveries d JOIN unnest($1::varchar[], $2::timestamptz[]) AS k(id, at)
              ON d.event_id = k.id AND d.event_received_at = k.at
        WHERE d.event_received_at = ANY($2::timestamptz[]) AND d.replay_id IS NULL`,
      [[...events.keys()], pgArray(at)],
    );
    return new Set(rows.map((r) => `${r.event_id} ${r.endpoint_id}`));
  }

  /**
   * Claims due deliveries (oldest first) for instance `owner`, skipping endpoints whose queues are full: those without
   * a lease or whose lease ran out, and those leased by another instance whose heartbeat is older than
   * `deadAfterSeconds` (it crashed: what it held in memory will never be attempted by it).
   */
  async claimDue(
    limit: number,
    leaseSeconds: number,
    skipEndpointIds: string[],
    owner: { id: string; deadAfterSeconds: number },
  ): Promise<ClaimedDelivery[]> {
    const rows: Array<{
      id: string;
      endpoint_id: string;
      attempt_count: number;
      event_id: string;
      event_received_at: Date;
    }> = await this.db.query(
      `WITH due AS (
         SELECT id, event_received_at FROM deliveries
          WHERE status IN ('pending', 'retrying') AND next_attempt_at <= now()
            AND (lease_until IS NULL OR lease_until < now()
                 OR (lease_owner IS NOT NULL AND lease_owner <> $4 AND NOT EXISTS (
                       SELECT 1 FROM fanout_instances i
                        WHERE i.id = deliveries.lease_owner
                          AND i.heartbeat_at > now() - make_interval(secs => $5))))
            AND NOT (endpoint_id = ANY($3::varchar[]))
            AND lane IS NULL
          ORDER BY next_attempt_at
          LIMIT $1
          FOR UPDATE SKIP LOCKED
       ), claimed AS (
         -- The claimed rows by id and partition key, within the range of their days: only those partitions are read
         -- (pruned at run time), each through its index. Joined on id alone, the planner scanned every partition.
         UPDATE deliveries d SET lease_until = now() + make_interval(secs => $2), lease_owner = $4
           FROM due
          WHERE d.id = ANY (ARRAY(SELECT id FROM due)) AND d.id = due.id AND d.event_received_at = due.event_received_at
            AND d.event_received_at BETWEEN (SELECT min(event_received_at) FROM due)
                                        AND (SELECT max(event_received_at) FROM due)
         RETURNING d.id, d.endpoint_id, d.attempt_count, d.event_id, d.event_received_at
       )
       -- A SELECT on top: TypeORM's query() returns [rows, count] for a bare UPDATE … RETURNING.
       SELECT * FROM claimed`,
      [limit, leaseSeconds, skipEndpointIds, owner.id, owner.deadAfterSeconds],
    );
    if (!rows.length) return [];
    const events = await this.eventsByKey(rows.map((r) => ({ id: r.event_id, receivedAt: r.event_received_at })));
    return rows.flatMap((row) => {
      const event = events.get(eventKey(row.event_id, row.event_received_at));
      return event ? [{ id: row.id, endpointId: row.endpoint_id, attemptCount: row.attempt_count, event }] : [];
    });
  }

  /**
   * Lanes whose head (their first open delivery) is due and not held by a live lease: retries come due, and what a
   * crashed or stopped instance left (lanes just written are claimed by the instance that wrote them; those this
   * instance runs are leased to it). A skip scan of the open-lane index: one probe per lane (per partition), however
   * many deliveries wait behind each head, and none where no endpoint is ordered.
   */
  async dueLanes(limit: number, owner: ClaimOwner): Promise<LaneRef[]> {
    const head = (after: string) =>
      `SELECT d.endpoint_id, d.lane, d.next_attempt_at, d.lease_until, d.lease_owner FROM deliveries d
        WHERE d.lane IS NOT NULL AND d.status IN ('pending', 'retrying') ${after}
        ORDER BY d.endpoint_id, d.lane, d.lane_seq LIMIT 1`;
    const rows: Array<{ endpoint_id: string; lane: string }> = await this.db.query(
      `WITH RECURSIVE heads AS (
         (${head('')})
         UNION ALL
         SELECT n.* FROM heads h
          CROSS JOIN LATERAL (${head('AND (d.endpoint_id, d.lane) > (h.endpoint_id, h.lane)')}) n
       )
       SELECT h.endpoint_id, h.lane FROM heads h
        WHERE h.next_attempt_at <= now()
          AND (h.lease_until IS NULL OR h.lease_until < now()
               OR (h.lease_owner <> $2 AND NOT EXISTS (
                     SELECT 1 FROM fanout_instances i
                      WHERE i.id = h.lease_owner AND i.heartbeat_at > now() - make_interval(secs => $3))))
        LIMIT $1`,
      [limit, owner.id, owner.deadAfterSeconds],
    );
    return rows.map((r) => ({ endpointId: r.endpoint_id, lane: r.lane }));
  }

  /**
   * Claims lanes for `owner`: of each lane whose head is due and free, its first `run` open deliveries in lane order
   * (up to one another instance holds) are leased to it. One claimer per lane at a time: each lane's advisory lock is
   * taken first (a lane another transaction is claiming is skipped), and its rows are read after that, in a statement
   * of their own, so they include whatever the previous claimer committed. Lanes with nothing to run are left out.
   */
  async claimLanes(lanes: LaneRef[], run: number, leaseSeconds: number, owner: ClaimOwner): Promise<ClaimedLane[]> {
    if (!lanes.length) return [];
    const rows = await this.db.transaction(async (tx) => {
      const locked: Array<{ endpoint_id: string; lane: string }> = await tx.query(
        `SELECT l.endpoint_id, l.lane FROM unnest($1::varchar[], $2::text[]) AS l(endpoint_id, lane)
          WHERE pg_try_advisory_xact_lock(hashtext(l.endpoint_id), hashtext(l.lane))`,
        [lanes.map((l) => l.endpointId), lanes.map((l) => l.lane)],
      );
      if (!locked.length) return [];
      return tx.query<ClaimedLaneRow[]>(
        `WITH open AS (
           SELECT o.*, row_number() OVER (PARTITION BY o.endpoint_id, o.lane ORDER BY o.lane_seq) AS n
             FROM unnest($1::varchar[], $2::text[]) AS l(endpoint_id, lane)
             CROSS JOIN LATERAL (
               SELECT d.id, d.event_received_at, d.endpoint_id, d.lane, d.lane_seq, d.next_attempt_at,
                      ${FREE('d', 5, 6)} AS free
                 FROM deliveries d
                WHERE d.endpoint_id = l.endpoint_id AND d.lane = l.lane AND d.lane IS NOT NULL
                  AND d.status IN ('pending', 'retrying')
                ORDER BY d.lane_seq LIMIT $3) o
         ), run AS (
           -- From each lane whose head is due and free: its deliveries up to the first one another instance holds.
           SELECT o.id, o.event_received_at FROM open o
            WHERE EXISTS (SELECT 1 FROM open h WHERE h.endpoint_id = o.endpoint_id AND h.lane = o.lane AND h.n = 1
                                                 AND h.free AND h.next_attempt_at <= now())
              AND NOT EXISTS (SELECT 1 FROM open b WHERE b.endpoint_id = o.endpoint_id AND b.lane = o.lane
                                                     AND b.n <= o.n AND NOT b.free)
         ), claimed AS (
           UPDATE deliveries d SET lease_until = now() + make_interval(secs => $4), lease_owner = $5
             FROM run
            WHERE d.id = ANY (ARRAY(SELECT id FROM run)) AND d.id = run.id
              AND d.event_received_at = run.event_received_at
              AND d.event_received_at BETWEEN (SELECT min(event_received_at) FROM run)
                                          AND (SELECT max(event_received_at) FROM run)
           RETURNING d.id, d.endpoint_id, d.lane, d.lane_seq, d.attempt_count, d.event_id, d.event_received_at,
                     d.lease_until
         )
         -- A SELECT on top: TypeORM's query() returns [rows, count] for a bare UPDATE … RETURNING.
         SELECT * FROM claimed`,
        [
          locked.map((l) => l.endpoint_id),
          locked.map((l) => l.lane),
          run,
          leaseSeconds,
          owner.id,
          owner.deadAfterSeconds,
        ],
      );
    });
    if (!rows.length) return [];
    const events = await this.eventsByKey(rows.map((r) => ({ id: r.event_id, receivedAt: r.event_received_at })));
    const byLane = new Map<string, ClaimedLane>();
    rows.sort((a, b) => {
      const [x, y] = [BigInt(a.lane_seq ?? 0), BigInt(b.lane_seq ?? 0)];
      return x < y ? -1 : x > y ? 1 : 0;
    });
    for (const row of rows) {
      const key = `${row.endpoint_id} ${row.lane}`;
      let lane = byLane.get(key);
      if (!lane) {
        lane = { endpointId: row.endpoint_id, lane: row.lane, leaseUntil: row.lease_until, deliveries: [] };
        byLane.set(key, lane);
      }
      const event = events.get(eventKey(row.event_id, row.event_received_at));
      // (An event removed meanwhile by retention: its delivery goes with it.)
      if (event)
        lane.deliveries.push({ id: row.id, endpointId: row.endpoint_id, attemptCount: row.attempt_count, event });
    }
    return [...byLane.values()];
  }

  /** Events by id and receivedAt (the partition key: only the partitions of those days are read). */
  private async eventsByKey(keys: Array<{ id: string; receivedAt: Date }>): Promise<Map<string, CanonicalEventV1>> {
    const at = [...new Set(keys.map((k) => k.receivedAt.getTime()))].map((ms) => new Date(ms).toISOString());
    const rows: EventRow[] = await this.db.query(
      `SELECT ${eventColumns('e')} FROM events e
        WHERE e.received_at = ANY($2::timestamptz[]) AND e.id = ANY($1::varchar[])`,
      [[...new Set(keys.map((k) => k.id))], pgArray(at)],
    );
    return new Map(rows.map((r) => [eventKey(r.id, r.received_at), canonicalEvent(r)]));
  }

  /**
   * Deliveries waiting in the retry queue: due now and later, and those in ordered endpoints' lanes (counted up to a
   * million each: a scrape stays cheap).
   */
  async backlog(): Promise<{ now: number; later: number; in_lanes: number }> {
    const [row] = await this.db.query<Array<{ now: string; later: string; in_lanes: string }>>(
      `SELECT (SELECT count(*) FROM (SELECT 1 FROM deliveries WHERE lane IS NULL AND status IN ('pending', 'retrying')
                                      AND next_attempt_at <= now() LIMIT 1000000) d) AS now,
              (SELECT count(*) FROM (SELECT 1 FROM deliveries WHERE lane IS NULL AND status IN ('pending', 'retrying')
                                      AND next_attempt_at > now() LIMIT 1000000) d) AS later,
              (SELECT count(*) FROM (SELECT 1 FROM deliveries WHERE lane IS NOT NULL
                                      AND status IN ('pending', 'retrying') LIMIT 1000000) d) AS in_lanes`,
    );
    return { now: Number(row?.now ?? 0), later: Number(row?.later ?? 0), in_lanes: Number(row?.in_lanes ?? 0) };
  }

  /**
   * Lanes of ordered endpoints held back by a delivery waiting for its retry (counted up to a million). Only a lane's
   * head is ever attempted before the rest, so a retrying delivery is its lane's head (but for a manual retry).
   */
  async heldLanes(): Promise<number> {
    const [row] = await this.db.query<Array<{ n: string }>>(
      `SELECT count(*) AS n FROM (SELECT DISTINCT endpoint_id, lane FROM deliveries
                                   -- (status IN …: the open-lane index's predicate, so that it is used)
                                   WHERE lane IS NOT NULL AND status IN ('pending', 'retrying') AND status = 'retrying'
                                   LIMIT 1000000) h`,
    );
    return Number(row?.n ?? 0);
  }

  /**
   * Hands deliveries back to the queue at once (at shutdown, or the rest of a held lane's run), instead of when their
   * lease expires: only those `owner` still holds (another instance may have taken one over meanwhile).
   */
  async releaseLeases(ids: string[], owner: string): Promise<void> {
    if (ids.length)
      await this.db.query(
        `UPDATE deliveries SET lease_until = NULL WHERE id = ANY($1::varchar[]) AND lease_owner = $2`,
        [ids, owner],
      );
  }

  /**
   * Writes many outcomes in one transaction (the attempt log is never the bottleneck): first the rows of deliveries
   * saved as pending (`pending`), then the rows of first attempts with their outcome, the updates of rows that
   * existed, the attempts of the rows that exist, and endpoints' failing-since marks. Returns the enabled endpoints
   * that have failed continuously since before `failingCutoff`, and those that started or stopped failing.
   *
   * A row created with its outcome keeps that first attempt in its `first_attempt_*` columns rather than in a row of
   * delivery_attempts (readers see both through the view delivery_attempt_log): one row and three index entries fewer
   * for nearly every delivery.
   */
  async recordOutcomes(
    outcomes: AttemptOutcome[],
    failingCutoff: Date,
    pending: NewDelivery[] = [],
  ): Promise<HealthChanges> {
    if (!outcomes.length && !pending.length) return NO_CHANGES;
    // Rows are created only in the days of their events, which were stored first (their partitions exist, unless
    // retention dropped one since).
    const days = [
      ...pending.map((p) => p.eventReceivedAt),
      ...outcomes.flatMap((o) => (o.delivery.insert ? [o.delivery.insert.eventReceivedAt] : [])),
    ];
    return this.partitions.write(days, () => this.recordInOne(outcomes, failingCutoff, pending));
  }

  private recordInOne(outcomes: AttemptOutcome[], failingCutoff: Date, pending: NewDelivery[]): Promise<HealthChanges> {
    // Rows created with this outcome (a first attempt from Kafka), and rows that exist and are updated; no copies.
    const created: Array<{ delivery: Required<AttemptOutcome['delivery']>; first: Attempt | null }> = [];
    const d: Array<AttemptOutcome['delivery']> = [];
    // Attempts that get rows of their own in delivery_attempts.
    const a: Array<Attempt & { eventReceivedAt: Date | undefined }> = [];
    for (const { delivery, attempt: plain } of outcomes) {
      const attempt = plain && {
        ...plain,
        eventReceivedAt: delivery.insert?.eventReceivedAt ?? delivery.eventReceivedAt,
      };
      if (delivery.insert) {
        const first = attempt?.number === 1 ? attempt : null;
        created.push({ delivery: delivery as Required<AttemptOutcome['delivery']>, first });
        if (attempt && !first) a.push(attempt);
      } else {
        d.push(delivery);
        if (attempt) a.push(attempt);
      }
    }
    // The last attempt of each endpoint in the batch tells whether it is failing now.
    const lastByEndpoint = new Map<string, Attempt>();
    for (const { attempt } of outcomes) if (attempt) lastByEndpoint.set(attempt.endpointId, attempt);
    return this.db.transaction(async (tx) => {
      await insertPending(tx, pending);
      // The ids of rows that exist: created or updated here.
      const exist = new Set<string>();
      // A row that cannot be created (its endpoint was deleted, or another instance consumed the event too and
      // created it first) is left out, and so is its attempt (kept in the row, or dropped by the guard below).
      if (created.length) {
        const rows: Array<{ id: string }> = await tx.query(
          `INSERT INTO deliveries (id, event_id, endpoint_id, tenant_id, event_type, status, attempt_count,
                                   next_attempt_at, last_status_code, last_error, created_at, completed_at,
                                   first_attempt_id, first_attempt_started_at, first_attempt_duration_ms,
                                   first_attempt_status_code, first_attempt_error_class, first_attempt_error_message,
                                   first_attempt_response_body, first_attempt_timings, event_received_at)
           SELECT u.id, u.event_id, u.endpoint_id, u.tenant_id, u.event_type, u.status, u.attempt_count,
                  u.next_attempt_at, u.last_status_code, u.last_error, u.created_at,
                  CASE WHEN u.completed THEN now() ELSE NULL END,
                  u.a_id, u.a_started_at, u.a_duration_ms, u.a_status_code, u.a_error_class, u.a_error_message,
                  u.a_response_body, u.a_timings, u.event_received_at
             FROM unnest($1::varchar[], $2::varchar[], $3::varchar[], $4::varchar[], $5::varchar[], $6::varchar[],
                         $7::int[], $8::timestamptz[], $9::int[], $10::text[], $11::timestamptz[], $12::bool[],
                         $13::varchar[], $14::timestamptz[], $15::int[], $16::int[], $17::varchar[], $18::text[],
                         $19::text[], $20::jsonb[], $21::timestamptz[])
                  AS u(id, event_id, endpoint_id, tenant_id, event_type, status, attempt_count, next_attempt_at,
                       last_status_code, last_error, created_at, completed, a_id, a_started_at, a_duration_ms,
                       a_status_code, a_error_class, a_error_message, a_response_body, a_timings, event_received_at)
             JOIN endpoints e ON e.id = u.endpoint_id
            WHERE ${EVENT_STORED('u')}
           ON CONFLICT (event_id, endpoint_id, event_received_at) WHERE replay_id IS NULL DO NOTHING
           RETURNING id`,
          [
            pgArray(created.map((x) => x.delivery.id)),
            pgArray(created.map((x) => x.delivery.insert.eventId)),
            pgArray(created.map((x) => x.delivery.insert.endpointId)),
            pgArray(created.map((x) => x.delivery.insert.tenantId)),
            pgArray(created.map((x) => x.delivery.insert.eventType)),
            pgArray(created.map((x) => x.delivery.status)),
            pgArray(created.map((x) => x.delivery.attemptCount)),
            pgArray(created.map((x) => x.delivery.nextAttemptAt?.toISOString() ?? null)),
            pgArray(created.map((x) => x.delivery.lastStatusCode)),
            pgArray(created.map((x) => pgText(x.delivery.lastError))),
            pgArray(created.map((x) => x.delivery.insert.createdAt.toISOString())),
            pgArray(created.map((x) => x.delivery.completed)),
            pgArray(created.map((x) => x.first?.id ?? null)),
            pgArray(created.map((x) => x.first?.startedAt.toISOString() ?? null)),
            pgArray(created.map((x) => x.first?.durationMs ?? null)),
            pgArray(created.map((x) => x.first?.statusCode ?? null)),
            pgArray(created.map((x) => x.first?.errorClass ?? null)),
            pgArray(created.map((x) => pgText(x.first?.errorMessage ?? null))),
            pgArray(created.map((x) => pgText(x.first?.responseBody ?? null))),
            pgArray(created.map((x) => (x.first?.timings ? JSON.stringify(x.first.timings) : null))),
            pgArray(created.map((x) => x.delivery.insert.eventReceivedAt.toISOString())),
          ],
        );
        for (const row of rows) exist.add(row.id);
      }
      if (d.length) {
        // In a CTE: TypeORM's query() returns [rows, count] for a bare UPDATE … RETURNING. The rows are found by
        // `id = ANY` (an index scan of the batch's ids): joined on id alone, the planner hashed the whole table while
        // it had fewer than a few hundred thousand rows, so each batch cost more as the table grew. The range of
        // their partition keys leaves out the partitions of other days (the batch spans a few, usually).
        const keys = d.flatMap((x) => (x.eventReceivedAt ? [x.eventReceivedAt.getTime()] : []));
        const known = keys.length === d.length;
        const range = known ? `AND t.event_received_at BETWEEN $8::timestamptz AND $9::timestamptz` : '';
        // The range ends at instants just written, past the partition's statistics: the planner then expects one row
        // and chose a nested loop that compared every row found with every row of the batch (12 s for 3,400 rows in
        // the benchmark). Without nested loops it hashes the batch, whatever the estimate: one pass over each side.
        await tx.query(`SET LOCAL enable_nestloop = off`);
        const rows: Array<{ id: string }> = await tx.query(
          `WITH updated AS (
           UPDATE deliveries AS t SET
            status = u.status, attempt_count = GREATEST(t.attempt_count, u.attempt_count),
            next_attempt_at = u.next_attempt_at, lease_until = NULL,
            last_status_code = u.last_status_code, last_error = u.last_error,
            completed_at = CASE WHEN u.completed THEN now() ELSE NULL END, updated_at = now()
           FROM unnest($1::varchar[], $2::varchar[], $3::int[], $4::timestamptz[], $5::int[], $6::text[], $7::bool[])
                AS u(id, status, attempt_count, next_attempt_at, last_status_code, last_error, completed)
          WHERE t.id = ANY($1::varchar[]) AND t.id = u.id ${range}
          RETURNING t.id
         )
         SELECT id FROM updated`,
          [
            pgArray(d.map((x) => x.id)),
            pgArray(d.map((x) => x.status)),
            pgArray(d.map((x) => x.attemptCount)),
            pgArray(d.map((x) => x.nextAttemptAt?.toISOString() ?? null)),
            pgArray(d.map((x) => x.lastStatusCode)),
            pgArray(d.map((x) => pgText(x.lastError))),
            pgArray(d.map((x) => x.completed)),
            ...(known ? [new Date(Math.min(...keys)).toISOString(), new Date(Math.max(...keys)).toISOString()] : []),
          ],
        );
        await tx.query(`SET LOCAL enable_nestloop TO DEFAULT`);
        for (const row of rows) exist.add(row.id);
      }
      // Only attempts of rows that exist, as the insert and the update above returned them (and locked them until
      // commit): one whose delivery was deleted meanwhile (with its endpoint) or never created is dropped, rather than
      // failing every later write on the foreign key. Known here, not asked of the database: a join of the batch with
      // deliveries was planned as a hash join over the whole table while it was small (13 µs per attempt).
      const kept = a.filter((x) => exist.has(x.deliveryId));
      if (kept.length)
        await tx.query(
          `INSERT INTO delivery_attempts (id, delivery_id, endpoint_id, number, started_at, duration_ms, status_code,
                                        error_class, error_message, response_body, timings, event_received_at)
         SELECT a.id, a.delivery_id, a.endpoint_id, a.number, a.started_at, a.duration_ms, a.status_code,
                a.error_class, a.error_message, a.response_body, a.timings,
                COALESCE(a.event_received_at, (SELECT d.event_received_at FROM deliveries d WHERE d.id = a.delivery_id))
           FROM unnest($1::varchar[], $2::varchar[], $3::varchar[], $4::int[], $5::timestamptz[], $6::int[],
                       $7::int[], $8::varchar[], $9::text[], $10::text[], $11::jsonb[], $12::timestamptz[])
                  AS a(id, delivery_id, endpoint_id, number, started_at, duration_ms, status_code, error_class,
                       error_message, response_body, timings, event_received_at)
         ON CONFLICT (id, event_received_at) DO NOTHING`,
          [
            pgArray(kept.map((x) => x.id)),
            pgArray(kept.map((x) => x.deliveryId)),
            pgArray(kept.map((x) => x.endpointId)),
            pgArray(kept.map((x) => x.number)),
            pgArray(kept.map((x) => x.startedAt.toISOString())),
            pgArray(kept.map((x) => x.durationMs)),
            pgArray(kept.map((x) => x.statusCode)),
            pgArray(kept.map((x) => x.errorClass)),
            pgArray(kept.map((x) => pgText(x.errorMessage))),
            pgArray(kept.map((x) => pgText(x.responseBody))),
            pgArray(kept.map((x) => (x.timings ? JSON.stringify(x.timings) : null))),
            pgArray(kept.map((x) => x.eventReceivedAt?.toISOString() ?? null)),
          ],
        );
      if (!lastByEndpoint.size) return NO_CHANGES;
      const ids = [...lastByEndpoint.keys()];
      const ok = (id: string) => lastByEndpoint.get(id)!.errorClass === null;
      // Only the rows that turn (a failure of a healthy endpoint, a success of a failing one), each once: a concurrent
      // instance's update of the same row waits for this one and then no longer matches. `was` is the row before.
      const turned: Array<{ id: string; was: Date | null; now: Date | null }> = await tx.query(
        `WITH was AS (SELECT id, failing_since FROM endpoints WHERE id = ANY($1::varchar[])),
         turned AS (
           UPDATE endpoints e SET failing_since = CASE WHEN u.ok THEN NULL ELSE COALESCE(e.failing_since, u.at) END
             FROM unnest($1::varchar[], $2::bool[], $3::timestamptz[]) AS u(id, ok, at), was
            WHERE e.id = u.id AND was.id = e.id
              AND ((u.ok AND e.failing_since IS NOT NULL) OR (NOT u.ok AND e.failing_since IS NULL))
           RETURNING e.id, was.failing_since AS was, e.failing_since AS now
         )
         -- A SELECT on top: TypeORM's query() returns [rows, count] for a bare UPDATE … RETURNING.
         SELECT * FROM turned`,
        [ids, ids.map(ok), ids.map((id) => lastByEndpoint.get(id)!.startedAt.toISOString())],
      );
      const failing: Array<{ id: string }> = await tx.query(
        `SELECT id FROM endpoints WHERE id = ANY($1::varchar[]) AND enabled AND failing_since < $2`,
        [ids, failingCutoff.toISOString()],
      );
      return {
        failingTooLong: failing.map((row) => row.id),
        turns: turned.flatMap((row) => {
          const since = row.now ?? row.was;
          return since
            ? [
                {
                  endpointId: row.id,
                  failing: row.now !== null,
                  failingSince: since,
                  attempt: lastByEndpoint.get(row.id)!,
                },
              ]
            : [];
        }),
      };
    });
  }

  /**
   * Writes the outcomes a crashed instance had journaled (OutcomeJournal) and not committed, in journal order: those
   * the database already has (the row's attempt count is as high) are skipped, the rest written as at first: a first
   * attempt's outcome creates its row if it is missing (also when a pending row had been written but not committed),
   * and updates it if it exists. Returns how many were written. Outcomes the database refuses (the event or endpoint
   * was deleted since) are skipped one by one; any other error propagates.
   */
  async replayOutcomes(outcomes: AttemptOutcome[], failingCutoff: Date): Promise<number> {
    if (!outcomes.length) return 0;
    // By id alone (in every partition): once, at start, for what a crashed instance left.
    const rows: Array<{ id: string; attempt_count: number; event_received_at: Date }> = await this.db.query(
      `SELECT id, attempt_count, event_received_at FROM deliveries WHERE id = ANY($1::varchar[])`,
      [[...new Set(outcomes.map((o) => o.delivery.id))]],
    );
    // Each delivery's attempt count as the database will have it after the outcomes kept so far.
    const counts = new Map(rows.map((r) => [r.id, r.attempt_count]));
    const keys = new Map(rows.map((r) => [r.id, r.event_received_at]));
    // A row to create needs its event (removed since, by retention, it makes no row).
    const creating = outcomes.flatMap((o) => {
      const insert = o.delivery.insert;
      return !counts.has(o.delivery.id) && insert?.eventReceivedAt
        ? [{ id: insert.eventId, receivedAt: insert.eventReceivedAt }]
        : [];
    });
    const events = creating.length ? await this.eventsByKey(creating) : new Map();
    const missing: AttemptOutcome[] = [];
    for (const o of outcomes) {
      const count = counts.get(o.delivery.id);
      const insert = o.delivery.insert;
      const creatable = insert?.eventReceivedAt && events.has(eventKey(insert.eventId, insert.eventReceivedAt));
      if (count === undefined ? !creatable : count >= o.delivery.attemptCount) continue;
      counts.set(o.delivery.id, o.delivery.attemptCount);
      const eventReceivedAt = keys.get(o.delivery.id) ?? o.delivery.insert?.eventReceivedAt;
      missing.push({
        ...o,
        delivery: { ...o.delivery, eventReceivedAt, insert: count === undefined ? o.delivery.insert : undefined },
      });
    }
    // One outcome per delivery per write (an UPDATE applies one source row per target row); a later one, later.
    let written = 0;
    for (const chunk of byGeneration(missing)) {
      try {
        await this.recordOutcomes(chunk, failingCutoff);
        written += chunk.length;
      } catch (err) {
        if (!isRefusedData(err)) throw err;
        for (const outcome of chunk) {
          written += await this.recordOutcomes([outcome], failingCutoff).then(
            () => 1,
            (e: unknown) => {
              if (!isRefusedData(e)) throw e;
              return 0;
            },
          );
        }
      }
    }
    return written;
  }
}

/** An event's identity across partitions: its id and receivedAt. */
function eventKey(id: string, receivedAt: Date | string): string {
  return `${id} ${new Date(receivedAt).getTime()}`;
}

/** Splits outcomes, in order, into runs in which each delivery appears once. */
function byGeneration(outcomes: AttemptOutcome[]): AttemptOutcome[][] {
  const runs: AttemptOutcome[][] = [];
  let run: AttemptOutcome[] = [];
  let ids = new Set<string>();
  for (const o of outcomes) {
    if (ids.has(o.delivery.id) || run.length >= 500) {
      runs.push(run);
      run = [];
      ids = new Set();
    }
    run.push(o);
    ids.add(o.delivery.id);
  }
  if (run.length) runs.push(run);
  return runs;
}

/** Invalid data (22xxx) or a broken constraint (23xxx, e.g. a foreign key to a row deleted since). */
function isRefusedData(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (code.startsWith('22') || code.startsWith('23'));
}

/**
 * PostgreSQL's text cannot hold NUL, and one such value fails its whole batch (written again and again, it would
 * hold back every delivery behind it). A subscriber's response body, or a message quoting one, keeps the character's
 * place with U+FFFD.
 */
function pgText(value: string | null): string | null {
  return value !== null && value.includes('\u0000') ? value.replaceAll('\u0000', '\uFFFD') : value;
}

/** Deliveries written pending (to the retry queue, or leased by the instance holding them in memory). */
async function insertPending(tx: EntityManager, deliveries: NewDelivery[]): Promise<void> {
  if (!deliveries.length) return;
  await tx.query(
    `INSERT INTO deliveries (id, event_id, endpoint_id, tenant_id, event_type, status, next_attempt_at, lease_until,
                             lease_owner, created_at, event_received_at, lane, lane_seq)
     SELECT d.id, d.event_id, d.endpoint_id, d.tenant_id, d.event_type, 'pending', d.next_attempt_at, d.lease_until,
            d.lease_owner, COALESCE(d.created_at, now()), d.event_received_at, d.lane, d.lane_seq
       FROM unnest($1::varchar[], $2::varchar[], $3::varchar[], $4::varchar[], $5::varchar[],
                   $6::timestamptz[], $7::timestamptz[], $8::varchar[], $9::timestamptz[], $10::timestamptz[],
                   $11::text[], $12::bigint[])
            AS d(id, event_id, endpoint_id, tenant_id, event_type, next_attempt_at, lease_until, lease_owner,
                 created_at, event_received_at, lane, lane_seq)
       JOIN endpoints e ON e.id = d.endpoint_id
      WHERE ${EVENT_STORED('d')}
     ON CONFLICT (event_id, endpoint_id, event_received_at) WHERE replay_id IS NULL DO NOTHING`,
    [
      pgArray(deliveries.map((d) => d.id)),
      pgArray(deliveries.map((d) => d.eventId)),
      pgArray(deliveries.map((d) => d.endpointId)),
      pgArray(deliveries.map((d) => d.tenantId)),
      pgArray(deliveries.map((d) => d.eventType)),
      pgArray(deliveries.map((d) => d.nextAttemptAt.toISOString())),
      pgArray(deliveries.map((d) => d.leaseUntil?.toISOString() ?? null)),
      pgArray(deliveries.map((d) => (d.leaseUntil ? d.leaseOwner : null))),
      pgArray(deliveries.map((d) => d.createdAt?.toISOString() ?? null)),
      pgArray(deliveries.map((d) => d.eventReceivedAt.toISOString())),
      pgArray(deliveries.map((d) => d.lane ?? null)),
      pgArray(deliveries.map((d) => d.laneSeq ?? null)),
    ],
  );
}
