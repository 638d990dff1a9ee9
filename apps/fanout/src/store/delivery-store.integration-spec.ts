import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { CANONICAL_EVENT_SCHEMA, CanonicalEventV1 } from '@gateway/contracts';
import { dataSourceOptions } from '@gateway/persistence';
import { testInfra } from '@gateway/testing';
import { DeliveryStore } from './delivery-store';
import { EventPartitions } from './event-partitions';

const DAY = 86_400_000;

/** The store on the real database, including the data errors that must not block a partition. */
describe('DeliveryStore on PostgreSQL', () => {
  let db: DataSource;
  let store: DeliveryStore;

  beforeAll(async () => {
    db = await new DataSource(dataSourceOptions(testInfra().databaseUrl, { poolSize: 2 })).initialize();
    store = new DeliveryStore(db, new EventPartitions(db));
  });
  afterAll(() => db.destroy());

  const event = (data: Record<string, unknown>): CanonicalEventV1 => ({
    schema: CANONICAL_EVENT_SCHEMA,
    id: `evt_${randomUUID().replace(/-/g, '')}`,
    type: 'kaynko.ping',
    provider: 'kaynko',
    sourceId: 'src_store_test',
    tenantId: 'ten_store_test',
    receivedAt: new Date().toISOString(),
    occurredAt: null,
    data,
  });

  it('refuses a NUL character with a data error (class 22), which the consumer isolates and dead-letters', async () => {
    const failure = await store.persist([event({ note: 'a\u0000b' })], []).then(
      () => null,
      (err: { code?: string }) => err,
    );
    expect(failure?.code).toMatch(/^22/);
  });

  it('stores events idempotently and claims due deliveries with a lease, returning rows (not [rows, count])', async () => {
    const e = event({ n: 1 });
    await store.persist([e], []);
    await store.persist([e], []);
    const [row] = await db.query<Array<{ count: number }>>('SELECT count(*)::int AS count FROM events WHERE id = $1', [
      e.id,
    ]);
    expect(row?.count).toBe(1);
    const claimed = await store.claimDue(10, 60, [], { id: 'fo_store_test', deadAfterSeconds: 15 });
    expect(Array.isArray(claimed)).toBe(true);
    for (const row of claimed)
      expect(row).toMatchObject({ id: expect.any(String), event: expect.objectContaining({ id: expect.any(String) }) });
  });

  it("takes over a crashed instance's deliveries at once, but never a live instance's, nor its own", async () => {
    const suffix = randomUUID().slice(0, 8);
    const tenant = `ten_takeover_${suffix}`;
    const endpoint = `ep_takeover_${suffix}`;
    await db.query(`INSERT INTO tenants (id, name) VALUES ($1, 'takeover')`, [tenant]);
    const e = { ...event({ n: 2 }), tenantId: tenant };
    const lease = new Date(Date.now() + 120_000); // far from running out
    const held = (owner: string | null, n: number, endpointId: string) => ({
      id: `dlv_takeover_${suffix}_${n}`,
      eventId: e.id,
      eventReceivedAt: new Date(e.receivedAt),
      endpointId,
      tenantId: tenant,
      eventType: e.type,
      leaseUntil: lease,
      leaseOwner: owner,
      // Due for a day: first in the claim's order, before other tests' due deliveries in this database.
      nextAttemptAt: new Date(Date.now() - DAY),
    });
    // One delivery per event and endpoint: four endpoints, one per case.
    const endpoints = await Promise.all(
      [1, 2, 3, 4].map(async (n) => {
        const id = `${endpoint}_${n}`;
        await db.query(
          `INSERT INTO endpoints (id, tenant_id, url, event_types, secret_sealed) VALUES ($1, $2, 'https://example.com', '{*}', 'x')`,
          [id, tenant],
        );
        return id;
      }),
    );
    await db.query(`INSERT INTO fanout_instances (id, heartbeat_at) VALUES ($1, now() - interval '1 minute')`, [
      `fo_dead_${suffix}`,
    ]);
    await db.query(`INSERT INTO fanout_instances (id) VALUES ($1)`, [`fo_live_${suffix}`]);
    const rows = [
      held(`fo_dead_${suffix}`, 1, endpoints[0]!), // crashed a minute ago
      held(`fo_live_${suffix}`, 2, endpoints[1]!), // alive
      held(`fo_self_${suffix}`, 3, endpoints[2]!), // the claimer itself (holds it in memory)
      held(null, 4, endpoints[3]!), // leased before owners were recorded: wait for the lease
    ];
    await store.persist([e], rows);

    const claimed = await store.claimDue(100, 60, [], { id: `fo_self_${suffix}`, deadAfterSeconds: 15 });
    const ours = claimed.filter((c) => c.id.startsWith(`dlv_takeover_${suffix}`)).map((c) => c.id);
    expect(ours).toEqual([`dlv_takeover_${suffix}_1`]);
    const [owner] = await db.query<Array<{ lease_owner: string }>>(`SELECT lease_owner FROM deliveries WHERE id = $1`, [
      ours[0],
    ]);
    expect(owner?.lease_owner).toBe(`fo_self_${suffix}`);
  });

  describe('outcomes', () => {
    const suffix = randomUUID().slice(0, 8);
    const tenant = `ten_outcomes_${suffix}`;
    const endpoint = `ep_outcomes_${suffix}`;
    beforeAll(async () => {
      await db.query(`INSERT INTO tenants (id, name) VALUES ($1, 'outcomes')`, [tenant]);
      await db.query(
        `INSERT INTO endpoints (id, tenant_id, url, event_types, secret_sealed) VALUES ($1, $2, 'https://example.com', '{*}', 'x')`,
        [endpoint, tenant],
      );
    });

    let n = 0;
    const first = (e: CanonicalEventV1, endpointId = endpoint) => {
      const id = `dlv_outcomes_${suffix}_${++n}`;
      return {
        id,
        identity: {
          eventId: e.id,
          eventReceivedAt: new Date(e.receivedAt),
          endpointId,
          tenantId: tenant,
          eventType: e.type,
          createdAt: new Date(),
        },
        attempt: (statusCode: number) => ({
          id: `att_outcomes_${suffix}_${n}_${statusCode}`,
          deliveryId: id,
          endpointId,
          number: 1,
          startedAt: new Date(),
          durationMs: 3,
          statusCode,
          errorClass: statusCode < 300 ? null : 'http_status',
          errorMessage: null as string | null,
          responseBody: 'ok',
          timings: { firstByteMs: 2 },
        }),
      };
    };
    const rowsOf = (eventId: string) =>
      db.query<Array<{ id: string; status: string; attempt_count: number; attempts: number }>>(
        `SELECT d.id, d.status, d.attempt_count,
                (SELECT count(*)::int FROM delivery_attempt_log a WHERE a.delivery_id = d.id) AS attempts
           FROM deliveries d WHERE d.event_id = $1 ORDER BY d.id`,
        [eventId],
      );
    const succeeded = { status: 'succeeded' as const, attemptCount: 1, nextAttemptAt: null, lastStatusCode: 200 };
    /** A first attempt answered 500, creating its row (retrying). */
    const failedFirst = (d: ReturnType<typeof first>, attempt = d.attempt(500)) => ({
      attempt,
      delivery: {
        id: d.id,
        status: 'retrying' as const,
        attemptCount: 1,
        nextAttemptAt: new Date(),
        lastStatusCode: 500,
        lastError: 'endpoint answered 500',
        completed: false,
        insert: d.identity,
      },
    });

    /** A second attempt answered 200, updating the row. */
    const retried = (d: ReturnType<typeof first>) => {
      const attempt = d.attempt(200);
      return {
        attempt: { ...attempt, id: `${attempt.id}_2`, number: 2 },
        delivery: { id: d.id, ...succeeded, attemptCount: 2, lastError: null, completed: true },
      };
    };

    it("creates a first attempt's row together with its outcome: one insert, no pending row before", async () => {
      const e = { ...event({ n: 3 }), tenantId: tenant };
      await store.persist([e], []);
      const d = first(e);
      await store.recordOutcomes(
        [
          {
            attempt: d.attempt(200),
            delivery: { id: d.id, ...succeeded, lastError: null, completed: true, insert: d.identity },
          },
        ],
        new Date(0),
      );
      expect(await rowsOf(e.id)).toEqual([{ id: d.id, status: 'succeeded', attempt_count: 1, attempts: 1 }]);
      expect(await store.existingDeliveries(new Map([[e.id, new Date(e.receivedAt)]]))).toEqual(
        new Set([`${e.id} ${endpoint}`]),
      );
    });

    it('keeps the attempt a row is created with in the row, later ones in rows of their own; the log has both', async () => {
      const e = { ...event({ n: 8 }), tenantId: tenant };
      await store.persist([e], []);
      const d = first(e);
      const firstAttempt = { ...d.attempt(500), errorMessage: 'endpoint answered 500', responseBody: 'busy' };
      await store.recordOutcomes([failedFirst(d, firstAttempt)], new Date(0));
      const second = retried(d); // once: each call stamps its attempt with the time of the call
      const retry = second.attempt;
      await store.recordOutcomes([second], new Date(0));
      const own = await db.query<Array<{ id: string }>>(`SELECT id FROM delivery_attempts WHERE delivery_id = $1`, [
        d.id,
      ]);
      expect(own).toEqual([{ id: retry.id }]);
      const log = await db.query<Array<Record<string, unknown>>>(
        `SELECT id, delivery_id, endpoint_id, number, started_at, duration_ms, status_code, error_class, error_message,
                response_body, timings
           FROM delivery_attempt_log WHERE delivery_id = $1 ORDER BY number`,
        [d.id],
      );
      const asRow = (x: typeof retry) => ({
        id: x.id,
        delivery_id: d.id,
        endpoint_id: endpoint,
        number: x.number,
        started_at: x.startedAt,
        duration_ms: x.durationMs,
        status_code: x.statusCode,
        error_class: x.errorClass,
        error_message: x.errorMessage,
        response_body: x.responseBody,
        timings: x.timings,
      });
      expect(log).toEqual([asRow(firstAttempt), asRow(retry)]);
    });

    it('reports each turn of an endpoint: its first failure after a success, its first success after failing', async () => {
      const own = `ep_turns_${suffix}`;
      await db.query(
        `INSERT INTO endpoints (id, tenant_id, url, event_types, secret_sealed) VALUES ($1, $2, 'https://example.com', '{*}', 'x')`,
        [own, tenant],
      );
      const write = async (n: number, statusCode: number) => {
        const e = { ...event({ n: 900 + n }), tenantId: tenant };
        await store.persist([e], []);
        const d = first(e, own);
        const attempt = d.attempt(statusCode);
        const outcome =
          statusCode < 300
            ? { attempt, delivery: { id: d.id, ...succeeded, lastError: null, completed: true, insert: d.identity } }
            : failedFirst(d, attempt);
        return { attempt, changes: await store.recordOutcomes([outcome], new Date(0)) };
      };
      const down = await write(1, 500);
      expect(down.changes.turns).toEqual([
        { endpointId: own, failing: true, failingSince: down.attempt.startedAt, attempt: down.attempt },
      ]);
      expect((await write(2, 502)).changes.turns).toEqual([]); // still failing: no news
      const up = await write(3, 200);
      expect(up.changes.turns).toEqual([
        { endpointId: own, failing: false, failingSince: down.attempt.startedAt, attempt: up.attempt },
      ]);
      expect((await write(4, 200)).changes.turns).toEqual([]);
    });

    it('writes a pending row and then its outcome as an update, in one write, in that order', async () => {
      const e = { ...event({ n: 4 }), tenantId: tenant };
      await store.persist([e], []);
      const d = first(e);
      const pending = { id: d.id, ...d.identity, leaseUntil: new Date(Date.now() + 60_000), leaseOwner: 'fo_x' };
      await store.recordOutcomes(
        [{ attempt: d.attempt(200), delivery: { id: d.id, ...succeeded, lastError: null, completed: true } }],
        new Date(0),
        [{ ...pending, nextAttemptAt: new Date() }],
      );
      expect(await rowsOf(e.id)).toEqual([{ id: d.id, status: 'succeeded', attempt_count: 1, attempts: 1 }]);
    });

    it('drops the attempt of a row that could not be created instead of failing every later write', async () => {
      const e = { ...event({ n: 5 }), tenantId: tenant };
      await store.persist([e], []);
      const winner = first(e);
      const loser = first(e); // the same event and endpoint, consumed by a second instance too
      const gone = first(e, `ep_deleted_${suffix}`); // its endpoint was deleted meanwhile
      const outcome = (d: ReturnType<typeof first>) => ({
        attempt: d.attempt(200),
        delivery: { id: d.id, ...succeeded, lastError: null, completed: true, insert: d.identity },
      });
      await store.recordOutcomes([outcome(winner)], new Date(0));
      await store.recordOutcomes([outcome(loser), outcome(gone)], new Date(0));
      expect(await rowsOf(e.id)).toEqual([{ id: winner.id, status: 'succeeded', attempt_count: 1, attempts: 1 }]);
    });

    it("replays a crashed instance's journal: writes what is missing, in order, and nothing twice", async () => {
      const e = { ...event({ n: 9 }), tenantId: tenant };
      const gone = { ...event({ n: 10 }), tenantId: tenant }; // its event is never stored: the row cannot exist
      await store.persist([e], []);
      const committed = first(e); // its first outcome was committed before the crash
      const retriedLater = first(e, `${endpoint}_b`); // first outcome committed, the retry's not
      const lost = first(e, `${endpoint}_c`); // answered, never committed
      const leased = first(e, `${endpoint}_d`); // written pending (leased) before its answer, which was not committed
      const orphan = first(gone);
      for (const id of [`${endpoint}_b`, `${endpoint}_c`, `${endpoint}_d`]) {
        await db.query(
          `INSERT INTO endpoints (id, tenant_id, url, event_types, secret_sealed) VALUES ($1, $2, 'https://example.com', '{*}', 'x')`,
          [id, tenant],
        );
      }
      const ok = (d: ReturnType<typeof first>) => ({
        attempt: d.attempt(200),
        delivery: { id: d.id, ...succeeded, lastError: null, completed: true, insert: d.identity },
      });
      const pending = { id: leased.id, ...leased.identity, leaseUntil: new Date(Date.now() + 60_000) };
      await store.recordOutcomes([ok(committed), failedFirst(retriedLater)], new Date(0), [
        { ...pending, leaseOwner: 'fo_crashed', nextAttemptAt: new Date() },
      ]);

      const journal = [
        ok(committed),
        failedFirst(retriedLater),
        retried(retriedLater),
        ok(lost),
        ok(leased), // a first attempt's outcome carries its row's identity, whether or not a pending row was written
        ok(orphan),
      ];
      expect(await store.replayOutcomes(journal, new Date(0))).toBe(3);
      expect(await rowsOf(e.id)).toEqual(
        [
          { id: committed.id, status: 'succeeded', attempt_count: 1, attempts: 1 },
          { id: retriedLater.id, status: 'succeeded', attempt_count: 2, attempts: 2 },
          { id: lost.id, status: 'succeeded', attempt_count: 1, attempts: 1 },
          { id: leased.id, status: 'succeeded', attempt_count: 1, attempts: 1 },
        ].sort((a, b) => (a.id < b.id ? -1 : 1)),
      );
      // Replayed again (the replaying instance died before deleting the journal): nothing changes.
      expect(await store.replayOutcomes(journal, new Date(0))).toBe(0);
      expect(await rowsOf(gone.id)).toEqual([]);
    });

    it('takes a body sent again within 7 days as the same event (its first copy, in its day), never making a delivery twice', async () => {
      const firstAt = new Date(Date.now() - 3 * DAY);
      const original = { ...event({ n: 11 }), tenantId: tenant, receivedAt: firstAt.toISOString() };
      const pendingFor = (e: CanonicalEventV1, id: string) => ({
        id,
        eventId: e.id,
        eventReceivedAt: new Date(e.receivedAt),
        endpointId: endpoint,
        tenantId: tenant,
        eventType: e.type,
        leaseUntil: null,
        leaseOwner: null,
        nextAttemptAt: new Date(),
      });
      expect(await store.persist([original], [pendingFor(original, `dlv_resent_${suffix}_1`)])).toEqual(new Map());

      const again = { ...original, receivedAt: new Date().toISOString() };
      expect(await store.persist([again], [pendingFor(again, `dlv_resent_${suffix}_2`)])).toEqual(
        new Map([[original.id, firstAt]]),
      );
      const stored = await db.query(`SELECT received_at FROM events WHERE id = $1`, [original.id]);
      expect(stored).toEqual([{ received_at: firstAt }]);
      const deliveries = await db.query(`SELECT id, event_received_at FROM deliveries WHERE event_id = $1`, [
        original.id,
      ]);
      expect(deliveries).toEqual([{ id: `dlv_resent_${suffix}_1`, event_received_at: firstAt }]);

      // Sent again more than 7 days after the first copy: a new event.
      const muchLater = { ...original, receivedAt: new Date(firstAt.getTime() + 8 * DAY).toISOString() };
      expect(await store.persist([muchLater], [])).toEqual(new Map());
      const copies = await db.query(`SELECT count(*)::int AS n FROM events WHERE id = $1`, [original.id]);
      expect(copies).toEqual([{ n: 2 }]);
    });

    it("writes into a day whose partitions were dropped after it last wrote there (another instance's retention)", async () => {
      const day = new Date(Date.now() - 20 * DAY);
      const a = { ...event({ n: 12 }), tenantId: tenant, receivedAt: day.toISOString() };
      await store.persist([a], []);
      const name = `p${day.toISOString().slice(0, 10).replaceAll('-', '')}`;
      for (const table of ['delivery_attempts', 'deliveries', 'events']) {
        await db.query(`DROP TABLE ${table}_${name}`);
      }
      const b = { ...event({ n: 13 }), tenantId: tenant, receivedAt: day.toISOString() };
      await store.persist([b], []);
      const d = first(b);
      await store.recordOutcomes([failedFirst(d)], new Date(0));
      expect(await rowsOf(b.id)).toEqual([{ id: d.id, status: 'retrying', attempt_count: 1, attempts: 1 }]);
    });

    it("stores a response body with a NUL character (which PostgreSQL's text refuses) instead of failing the batch", async () => {
      const e = { ...event({ n: 7 }), tenantId: tenant };
      await store.persist([e], []);
      const d = first(e);
      const attempt = { ...d.attempt(500), responseBody: 'bin\u0000ary', errorMessage: 'endpoint answered 500' };
      await store.recordOutcomes([failedFirst(d, attempt)], new Date(0));
      const [row] = await db.query<Array<{ response_body: string }>>(
        `SELECT response_body FROM delivery_attempt_log WHERE id = $1`,
        [attempt.id],
      );
      expect(row?.response_body).toBe('bin\uFFFDary');
    });

    it('drops the attempt of a retried row deleted meanwhile, and keeps those of the rows that exist', async () => {
      const e = { ...event({ n: 6 }), tenantId: tenant };
      await store.persist([e], []);
      const kept = first(e);
      const deleted = first(e, `ep_outcomes_gone_${suffix}`);
      await db.query(
        `INSERT INTO endpoints (id, tenant_id, url, event_types, secret_sealed) VALUES ($1, $2, 'https://example.com', '{*}', 'x')`,
        [deleted.identity.endpointId, tenant],
      );
      await store.recordOutcomes([failedFirst(kept), failedFirst(deleted)], new Date(0));
      // The endpoint is deleted (its deliveries with it) while its retry is in flight.
      await db.query(`DELETE FROM endpoints WHERE id = $1`, [deleted.identity.endpointId]);
      await store.recordOutcomes([retried(kept), retried(deleted)], new Date(0));
      expect(await rowsOf(e.id)).toEqual([{ id: kept.id, status: 'succeeded', attempt_count: 2, attempts: 2 }]);
      const orphans = await db.query<Array<{ n: number }>>(
        `SELECT count(*)::int AS n FROM delivery_attempt_log WHERE delivery_id = $1`,
        [deleted.id],
      );
      expect(orphans[0]?.n).toBe(0);
    });
  });
});
