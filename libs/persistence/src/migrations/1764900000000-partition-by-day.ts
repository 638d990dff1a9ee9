import { MigrationInterface, QueryRunner } from 'typeorm';
import { dayOf, partitionName } from '../sql/daily-partitions';
import { ATTEMPT_LOG_VIEW } from './1764400000000-first-attempt-in-delivery';

const DAY_MS = 86_400_000;
/** Rows per backfill statement: each is its own short transaction. */
const BACKFILL_BATCH = 10_000;
/** Days of partitions created ahead by the swap (the services keep creating them from then on). */
const AHEAD_DAYS = 7;

/** The attempt log with the partition key of both its halves, so a reader that knows it reads one partition. */
export const PARTITIONED_ATTEMPT_LOG_VIEW = `
  CREATE OR REPLACE VIEW delivery_attempt_log AS
    SELECT id, delivery_id, endpoint_id, number, started_at, duration_ms, status_code, error_class, error_message,
           response_body, timings, event_received_at
      FROM delivery_attempts
    UNION ALL
    SELECT first_attempt_id, id, endpoint_id, 1, first_attempt_started_at, first_attempt_duration_ms,
           first_attempt_status_code, first_attempt_error_class, first_attempt_error_message,
           first_attempt_response_body, first_attempt_timings, event_received_at
      FROM deliveries
     WHERE first_attempt_id IS NOT NULL`;

interface Partitioned {
  table: string;
  /** The partition key: the instant whose UTC day a row belongs to. */
  key: string;
  /** Unique indexes of the partitioned table (each must hold the key), built on the old table first. */
  unique: Array<{ name: string; columns: string; where?: string }>;
  /** The old table's indexes the partitioned table keeps as they are (attached, not built again). */
  kept: string[];
  /** The old table's constraints that only made sense unpartitioned (each replaced by one of `unique`). */
  dropped: string[];
  /** Foreign keys the partitioned table has (to unpartitioned tables only). */
  foreign: Array<{ name: string; definition: string }>;
}

/**
 * One partition per UTC day. events by `received_at`; deliveries and delivery_attempts by `event_received_at`, the
 * received_at of their event, so that an event, its deliveries and their attempts live in the partitions of one day,
 * and a delivery made twice (its event consumed again from Kafka carries the same received_at) still meets the
 * unique index that refuses it; qerko_requests by `received_at`.
 */
export const PARTITIONED: Partitioned[] = [
  {
    table: 'events',
    key: 'received_at',
    unique: [{ name: 'events_id_key', columns: 'id, received_at' }],
    kept: ['events_tenant_received_idx'],
    dropped: ['events_pkey'],
    foreign: [],
  },
  {
    table: 'deliveries',
    key: 'event_received_at',
    unique: [
      { name: 'deliveries_id_key', columns: 'id, event_received_at' },
      {
        name: 'deliveries_live_once_key',
        columns: 'event_id, endpoint_id, event_received_at',
        where: 'replay_id IS NULL',
      },
    ],
    kept: [
      'deliveries_due_idx',
      'deliveries_endpoint_idx',
      'deliveries_event_idx',
      'deliveries_first_attempt_endpoint_idx',
      'deliveries_replay_idx',
      'deliveries_tenant_idx',
    ],
    dropped: ['deliveries_pkey', 'deliveries_live_once_idx'],
    foreign: [
      {
        name: 'deliveries_endpoint_id_fkey',
        definition: 'FOREIGN KEY (endpoint_id) REFERENCES endpoints(id) ON DELETE CASCADE',
      },
    ],
  },
  {
    table: 'delivery_attempts',
    key: 'event_received_at',
    unique: [{ name: 'delivery_attempts_id_key', columns: 'id, event_received_at' }],
    kept: ['delivery_attempts_delivery_idx', 'delivery_attempts_endpoint_idx'],
    dropped: ['delivery_attempts_pkey'],
    foreign: [
      {
        // Attempts used to go with their delivery (a foreign key between two partitioned tables would need the key
        // in both): they now go with their endpoint, as the delivery does.
        name: 'delivery_attempts_endpoint_id_fkey',
        definition: 'FOREIGN KEY (endpoint_id) REFERENCES endpoints(id) ON DELETE CASCADE',
      },
    ],
  },
  {
    table: 'qerko_requests',
    key: 'received_at',
    unique: [
      { name: 'qerko_requests_id_key', columns: 'id, received_at' },
      { name: 'qerko_requests_source_uuid_key', columns: 'source_id, uuid, received_at' },
    ],
    kept: [
      'qerko_requests_open_idx',
      'qerko_requests_received_idx',
      'qerko_requests_tenant_idx',
      'qerko_requests_uuid_idx',
    ],
    dropped: ['qerko_requests_pkey', 'qerko_requests_source_id_uuid_key'],
    foreign: [
      {
        name: 'qerko_requests_tenant_id_fkey',
        definition: 'FOREIGN KEY (tenant_id) REFERENCES tenants(id) ON DELETE CASCADE',
      },
    ],
  },
];

/** Foreign keys between the tables being partitioned: dropped (see delivery_attempts_endpoint_id_fkey). */
const CROSS_KEYS = [
  { table: 'deliveries', name: 'deliveries_event_id_fkey' },
  { table: 'delivery_attempts', name: 'delivery_attempts_delivery_id_fkey' },
];

/**
 * events, deliveries, delivery_attempts and qerko_requests become partitioned by day, online: the services keep
 * running while it runs. Not in a transaction; every step is idempotent, so a run cut short is run again.
 *
 * 1. deliveries and delivery_attempts get `event_received_at`, filled by a trigger for rows written meanwhile and
 *    by batched updates (10,000 rows per short transaction) for the others; NOT NULL through a validated check.
 * 2. The unique indexes of the partitioned tables are built on the old tables CONCURRENTLY.
 * 3. A validated check bounds each old table's key below a cutoff (the start of the day after tomorrow, UTC).
 * 4. One short transaction swaps all four: each old table is renamed `<table>_legacy` and attached to a new
 *    partitioned table as its partition for everything before the cutoff. The validated check and the indexes
 *    built in 2 make the attach a catalog change (no scan, no index build); partitions for the next days follow.
 *
 * The legacy partitions are left as they are, until their days are dropped (docs/scaling.md §5). An empty
 * table (a new installation) gets no legacy partition: its days start at once.
 * Writers of the previous version fail once the swap is done (their conflict targets are gone) until they are
 * replaced: fan-out's Kafka batches are retried, nothing is lost (docs/operations.md, upgrading).
 *
 * `down` is offline: it copies the rows back into unpartitioned tables.
 */
export class PartitionByDay1764900000000 implements MigrationInterface {
  name = 'PartitionByDay1764900000000';
  transaction = false;

  public async up(q: QueryRunner): Promise<void> {
    if (await isPartitioned(q, 'events')) return;
    const step = stepTimer(q);
    await this.addEventReceivedAt(q);
    step('event_received_at added to deliveries and delivery_attempts, filled and NOT NULL');
    for (const spec of PARTITIONED) {
      for (const index of spec.unique)
        await buildConcurrently(q, spec.table, legacyName(spec.table, index.name), index);
    }
    step('unique indexes with the partition key built concurrently');
    // Attempts follow their endpoint from now on; checked without blocking writes.
    await q.query(`DO $$ BEGIN
      ALTER TABLE delivery_attempts ADD CONSTRAINT delivery_attempts_endpoint_id_fkey
        FOREIGN KEY (endpoint_id) REFERENCES endpoints(id) ON DELETE CASCADE NOT VALID;
    EXCEPTION WHEN duplicate_object THEN NULL;
    END $$`);
    await q.query(`ALTER TABLE delivery_attempts VALIDATE CONSTRAINT delivery_attempts_endpoint_id_fkey`);
    step('delivery_attempts_endpoint_id_fkey validated');
    const cutoff = await this.boundOldTables(q);
    step(`old tables bounded below ${cutoff.toISOString()}`);
    await this.swap(q, cutoff);
    step('swapped: the old tables are the partitions before the cutoff');
  }

  /** Step 1: the event's received_at on every delivery and attempt, NOT NULL. */
  private async addEventReceivedAt(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE deliveries ADD COLUMN IF NOT EXISTS event_received_at timestamptz`);
    await q.query(`ALTER TABLE delivery_attempts ADD COLUMN IF NOT EXISTS event_received_at timestamptz`);
    // Rows the running services write while this runs get it from their event, or their delivery.
    await q.query(`CREATE OR REPLACE FUNCTION gateway_delivery_event_received_at() RETURNS trigger
      LANGUAGE plpgsql AS $$ BEGIN
        IF NEW.event_received_at IS NULL THEN
          SELECT received_at INTO NEW.event_received_at FROM events WHERE id = NEW.event_id;
        END IF;
        RETURN NEW;
      END $$`);
    await q.query(`CREATE OR REPLACE FUNCTION gateway_attempt_event_received_at() RETURNS trigger
      LANGUAGE plpgsql AS $$ BEGIN
        IF NEW.event_received_at IS NULL THEN
          SELECT event_received_at INTO NEW.event_received_at FROM deliveries WHERE id = NEW.delivery_id;
        END IF;
        RETURN NEW;
      END $$`);
    await q.query(`CREATE OR REPLACE TRIGGER deliveries_event_received_at BEFORE INSERT ON deliveries
      FOR EACH ROW EXECUTE FUNCTION gateway_delivery_event_received_at()`);
    await q.query(`CREATE OR REPLACE TRIGGER delivery_attempts_event_received_at BEFORE INSERT ON delivery_attempts
      FOR EACH ROW EXECUTE FUNCTION gateway_attempt_event_received_at()`);
    await backfill(
      q,
      'deliveries',
      `UPDATE deliveries t SET event_received_at = e.received_at FROM events e
        WHERE t.id IN (SELECT id FROM deliveries WHERE id > $1 AND event_received_at IS NULL ORDER BY id LIMIT $2)
          AND e.id = t.event_id
        RETURNING t.id`,
    );
    await backfill(
      q,
      'delivery_attempts',
      `UPDATE delivery_attempts t SET event_received_at = d.event_received_at FROM deliveries d
        WHERE t.id IN (SELECT id FROM delivery_attempts WHERE id > $1 AND event_received_at IS NULL ORDER BY id LIMIT $2)
          AND d.id = t.delivery_id
        RETURNING t.id`,
    );
    for (const table of ['deliveries', 'delivery_attempts']) {
      // NOT NULL without a long lock: a check added NOT VALID, validated while writes go on, then relied upon.
      await q.query(`DO $$ BEGIN
        ALTER TABLE ${table} ADD CONSTRAINT ${table}_event_received_at_set CHECK (event_received_at IS NOT NULL) NOT VALID;
      EXCEPTION WHEN duplicate_object THEN NULL;
      END $$`);
      await q.query(`ALTER TABLE ${table} VALIDATE CONSTRAINT ${table}_event_received_at_set`);
      await q.query(`ALTER TABLE ${table} ALTER COLUMN event_received_at SET NOT NULL`);
      await q.query(`ALTER TABLE ${table} DROP CONSTRAINT ${table}_event_received_at_set`);
    }
  }

  /**
   * Step 3: each old table's key below the cutoff, as a validated check. The cutoff is read back from a check left
   * by an earlier run cut short, so every table gets the same one.
   */
  private async boundOldTables(q: QueryRunner): Promise<Date> {
    const [earlier] = (await q.query(
      `SELECT substring(conname from '_before_(\\d{8})$') AS day FROM pg_constraint
        WHERE conname LIKE 'events\\_before\\_%' AND conrelid = 'events'::regclass`,
    )) as Array<{ day: string }>;
    const cutoff = earlier
      ? new Date(`${earlier.day.slice(0, 4)}-${earlier.day.slice(4, 6)}-${earlier.day.slice(6, 8)}T00:00:00Z`)
      : new Date(dayOf(Date.now()).getTime() + 2 * DAY_MS);
    const suffix = cutoff.toISOString().slice(0, 10).replaceAll('-', '');
    for (const { table, key } of PARTITIONED) {
      await q.query(`DO $$ BEGIN
        ALTER TABLE ${table} ADD CONSTRAINT ${table}_before_${suffix} CHECK (${key} < '${cutoff.toISOString()}') NOT VALID;
      EXCEPTION WHEN duplicate_object THEN NULL;
      END $$`);
      await q.query(`ALTER TABLE ${table} VALIDATE CONSTRAINT ${table}_before_${suffix}`);
    }
    return cutoff;
  }

  /** Step 4, in one transaction: waits at most 5 s for each lock, and is tried again (10 times) if it must. */
  private async swap(q: QueryRunner, cutoff: Date): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      await q.startTransaction();
      try {
        await q.query(`SET LOCAL lock_timeout = '5s'`);
        await q.query(`LOCK TABLE ${PARTITIONED.map((p) => p.table).join(', ')} IN ACCESS EXCLUSIVE MODE`);
        await this.swapLocked(q, cutoff);
        await q.commitTransaction();
        return;
      } catch (err) {
        await q.rollbackTransaction();
        if ((err as { code?: string }).code !== '55P03' || attempt >= 10) throw err;
      }
    }
  }

  private async swapLocked(q: QueryRunner, cutoff: Date): Promise<void> {
    const suffix = cutoff.toISOString().slice(0, 10).replaceAll('-', '');
    await q.query(`DROP VIEW IF EXISTS delivery_attempt_log`);
    await q.query(`DROP TRIGGER IF EXISTS deliveries_event_received_at ON deliveries`);
    await q.query(`DROP TRIGGER IF EXISTS delivery_attempts_event_received_at ON delivery_attempts`);
    await q.query(`DROP FUNCTION IF EXISTS gateway_delivery_event_received_at()`);
    await q.query(`DROP FUNCTION IF EXISTS gateway_attempt_event_received_at()`);
    for (const { table, name } of CROSS_KEYS) await q.query(`ALTER TABLE ${table} DROP CONSTRAINT IF EXISTS ${name}`);
    for (const spec of PARTITIONED) {
      const legacy = `${spec.table}_legacy`;
      const definitions = new Map<string, string>();
      for (const index of spec.kept) {
        const [row] = (await q.query(`SELECT pg_get_indexdef($1::regclass) AS def`, [index])) as Array<{
          def: string;
        }>;
        if (!row) throw new Error(`${spec.table} lacks the index ${index}: the schema is not the expected one`);
        definitions.set(index, row.def);
      }
      for (const name of spec.dropped) {
        await q.query(`ALTER TABLE ${spec.table} DROP CONSTRAINT IF EXISTS ${name}`);
        await q.query(`DROP INDEX IF EXISTS ${name}`);
      }
      await q.query(`ALTER TABLE ${spec.table} RENAME TO ${legacy}`);
      for (const index of spec.kept) await q.query(`ALTER INDEX ${index} RENAME TO ${legacyName(spec.table, index)}`);
      // Columns, defaults and checks as the old table has them; the cutoff check is the old table's alone.
      await q.query(
        `CREATE TABLE ${spec.table} (LIKE ${legacy} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)
           PARTITION BY RANGE (${spec.key})`,
      );
      await q.query(`ALTER TABLE ${spec.table} DROP CONSTRAINT ${spec.table}_before_${suffix}`);
      // Indexes and keys on the empty parent first: attaching the old table then adopts its matching ones.
      for (const index of spec.unique) {
        await q.query(
          `CREATE UNIQUE INDEX ${index.name} ON ${spec.table} (${index.columns})${index.where ? ` WHERE ${index.where}` : ''}`,
        );
      }
      for (const [index, def] of definitions) {
        await q.query(def.replace(/^CREATE (UNIQUE )?INDEX \S+ ON \S+/, `CREATE $1INDEX ${index} ON ${spec.table}`));
      }
      for (const fk of spec.foreign) {
        await q.query(`ALTER TABLE ${spec.table} ADD CONSTRAINT ${fk.name} ${fk.definition}`);
      }
      // An empty table (a new installation) has no past to keep: the days start at once, without a legacy partition.
      const [{ empty }] = (await q.query(`SELECT NOT EXISTS (SELECT 1 FROM ${legacy}) AS empty`)) as [
        { empty: boolean },
      ];
      const first = empty ? dayOf(Date.now()).getTime() : cutoff.getTime();
      if (empty) await q.query(`DROP TABLE ${legacy}`);
      else {
        await q.query(
          `ALTER TABLE ${spec.table} ATTACH PARTITION ${legacy} FOR VALUES FROM (MINVALUE) TO ('${cutoff.toISOString()}')`,
        );
      }
      for (let day = first; day <= first + AHEAD_DAYS * DAY_MS; day += DAY_MS) {
        await q.query(
          `CREATE TABLE ${partitionName(spec.table, new Date(day))} PARTITION OF ${spec.table}
             FOR VALUES FROM ('${new Date(day).toISOString()}') TO ('${new Date(day + DAY_MS).toISOString()}')`,
        );
      }
    }
    await q.query(PARTITIONED_ATTEMPT_LOG_VIEW);
  }

  /**
   * Offline (stop the services first): the rows go back into unpartitioned tables. Rows the partitioned schema
   * allows and the old one does not are left out, the newest of each kind: an event id stored twice (a body sent
   * again more than 7 days after the first), a second live delivery of one event to one endpoint, a second Qerko
   * request with one uuid.
   */
  public async down(q: QueryRunner): Promise<void> {
    if (!(await isPartitioned(q, 'events'))) return;
    await q.query(`DROP VIEW IF EXISTS delivery_attempt_log`);
    for (const { table } of PARTITIONED) {
      await q.query(`CREATE TABLE ${table}_plain (LIKE ${table} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)`);
      await q.query(`INSERT INTO ${table}_plain SELECT * FROM ${table}`);
      await q.query(`DROP TABLE ${table}`);
      await q.query(`ALTER TABLE ${table}_plain RENAME TO ${table}`);
    }
    await q.query(`DELETE FROM events t USING events o WHERE o.id = t.id AND o.received_at < t.received_at`);
    await q.query(`DELETE FROM deliveries t USING deliveries o
      WHERE t.replay_id IS NULL AND o.replay_id IS NULL AND o.event_id = t.event_id AND o.endpoint_id = t.endpoint_id
        AND (o.event_received_at, o.id) < (t.event_received_at, t.id)`);
    await q.query(`DELETE FROM deliveries t WHERE NOT EXISTS (SELECT 1 FROM events e WHERE e.id = t.event_id)`);
    await q.query(`DELETE FROM delivery_attempts t
      WHERE NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.id = t.delivery_id)`);
    await q.query(`DELETE FROM qerko_requests t USING qerko_requests o
      WHERE o.source_id = t.source_id AND o.uuid = t.uuid AND (o.received_at, o.id) < (t.received_at, t.id)`);
    await q.query(`ALTER TABLE events ADD CONSTRAINT events_pkey PRIMARY KEY (id)`);
    await q.query(`CREATE INDEX events_tenant_received_idx ON events (tenant_id, received_at DESC, id DESC)`);
    await q.query(`ALTER TABLE deliveries ADD CONSTRAINT deliveries_pkey PRIMARY KEY (id)`);
    await q.query(`CREATE UNIQUE INDEX deliveries_live_once_idx ON deliveries (event_id, endpoint_id)
      WHERE replay_id IS NULL`);
    await q.query(`CREATE INDEX deliveries_tenant_idx ON deliveries (tenant_id, created_at DESC, id DESC)`);
    await q.query(`CREATE INDEX deliveries_endpoint_idx ON deliveries (endpoint_id, created_at DESC, id DESC)`);
    await q.query(`CREATE INDEX deliveries_event_idx ON deliveries (event_id)`);
    await q.query(`CREATE INDEX deliveries_due_idx ON deliveries (next_attempt_at)
      WHERE status IN ('pending', 'retrying')`);
    await q.query(`CREATE INDEX deliveries_replay_idx ON deliveries (replay_id) WHERE replay_id IS NOT NULL`);
    await q.query(`CREATE INDEX deliveries_first_attempt_endpoint_idx
      ON deliveries (endpoint_id, first_attempt_started_at DESC) WHERE first_attempt_id IS NOT NULL`);
    await q.query(`ALTER TABLE deliveries
      ADD CONSTRAINT deliveries_event_id_fkey FOREIGN KEY (event_id) REFERENCES events(id) ON DELETE CASCADE,
      ADD CONSTRAINT deliveries_endpoint_id_fkey FOREIGN KEY (endpoint_id) REFERENCES endpoints(id) ON DELETE CASCADE,
      DROP COLUMN event_received_at`);
    await q.query(`ALTER TABLE delivery_attempts ADD CONSTRAINT delivery_attempts_pkey PRIMARY KEY (id)`);
    await q.query(`CREATE INDEX delivery_attempts_delivery_idx ON delivery_attempts (delivery_id, number)`);
    await q.query(`CREATE INDEX delivery_attempts_endpoint_idx ON delivery_attempts (endpoint_id, started_at DESC)`);
    await q.query(`ALTER TABLE delivery_attempts
      ADD CONSTRAINT delivery_attempts_delivery_id_fkey FOREIGN KEY (delivery_id) REFERENCES deliveries(id)
        ON DELETE CASCADE,
      DROP COLUMN event_received_at`);
    await q.query(`ALTER TABLE qerko_requests ADD CONSTRAINT qerko_requests_pkey PRIMARY KEY (id),
      ADD CONSTRAINT qerko_requests_source_id_uuid_key UNIQUE (source_id, uuid),
      ADD CONSTRAINT qerko_requests_tenant_id_fkey FOREIGN KEY (tenant_id) REFERENCES tenants(id) ON DELETE CASCADE`);
    await q.query(`CREATE INDEX qerko_requests_tenant_idx ON qerko_requests (tenant_id, received_at DESC, id DESC)`);
    await q.query(`CREATE INDEX qerko_requests_open_idx ON qerko_requests (deadline_at) WHERE state = 'pending'`);
    await q.query(`CREATE INDEX qerko_requests_uuid_idx ON qerko_requests (tenant_id, uuid)`);
    await q.query(`CREATE INDEX qerko_requests_received_idx ON qerko_requests (received_at)`);
    await q.query(ATTEMPT_LOG_VIEW);
  }
}

/** Logs each step with its duration (shown by `npm run db:migrate`). */
function stepTimer(q: QueryRunner): (done: string) => void {
  let last = Date.now();
  return (done) => {
    const now = Date.now();
    q.connection.logger.logMigration(`PartitionByDay: ${done} (${now - last} ms)`);
    last = now;
  };
}

function legacyName(table: string, index: string): string {
  return index.replace(table, `${table}_legacy`);
}

async function isPartitioned(q: QueryRunner, table: string): Promise<boolean> {
  const [row] = (await q.query(`SELECT relkind FROM pg_class WHERE oid = $1::regclass`, [table])) as Array<{
    relkind: string;
  }>;
  return row?.relkind === 'p';
}

/** Fills a column batch by batch, in id order; each statement is a short transaction of its own. */
async function backfill(q: QueryRunner, table: string, update: string): Promise<void> {
  let after = '';
  for (;;) {
    const result = (await q.query(update, [after, BACKFILL_BATCH])) as [Array<{ id: string }>, number];
    const rows = result[0];
    if (!rows.length) break;
    after = rows.reduce((max, row) => (row.id > max ? row.id : max), after);
  }
  const [left] = (await q.query(`SELECT count(*)::int AS n FROM ${table} WHERE event_received_at IS NULL`)) as Array<{
    n: number;
  }>;
  if (left?.n) {
    // Rows whose event (or delivery) is gone: nothing refers to them any more.
    throw new Error(`${table}: ${left.n} rows have no event to take received_at from`);
  }
}

/** A unique index built without blocking writes; an invalid one left by a run cut short is built again. */
async function buildConcurrently(
  q: QueryRunner,
  table: string,
  name: string,
  index: { columns: string; where?: string },
): Promise<void> {
  await q.query(`DO $$ BEGIN
    IF EXISTS (SELECT 1 FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
                WHERE c.relname = '${name}' AND NOT i.indisvalid) THEN
      DROP INDEX ${name};
    END IF;
  END $$`);
  await q.query(
    `CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS ${name} ON ${table} (${index.columns})${index.where ? ` WHERE ${index.where}` : ''}`,
  );
}
