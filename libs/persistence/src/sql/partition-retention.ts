import type { DataSource, QueryRunner } from 'typeorm';
import { type PartitionInfo, DailyPartitions } from './daily-partitions';

const DAY_MS = 86_400_000;

/** Each tenant's retention in days: its own `retention_days`, or the deployment's default. */
export async function tenantRetentions(db: DataSource, defaultDays: number): Promise<Map<string, number>> {
  const rows = await db.query<Array<{ id: string; days: number | null }>>(
    `SELECT id, retention_days AS days FROM tenants`,
  );
  return new Map(rows.map((r) => [r.id, r.days ?? defaultDays]));
}

/** The start of the UTC day `days` days before `now`'s: rows received before it are past a `days`-day retention. */
export function retentionCutoff(now: Date, days: number): Date {
  return new Date(Math.floor(now.getTime() / DAY_MS) * DAY_MS - days * DAY_MS);
}

/**
 * One retention pass at a time across instances: a session-level advisory lock, held on a connection of its own for
 * the pass, released at its end (or when the process dies and its connection closes). Returns null when another
 * instance holds it.
 */
export async function withRetentionLock<T>(db: DataSource, name: string, run: () => Promise<T>): Promise<T | null> {
  const runner: QueryRunner = db.createQueryRunner();
  await runner.connect();
  try {
    const [row] = (await runner.query(
      `SELECT pg_try_advisory_lock(hashtext('gateway.retention'), hashtext($1)) AS locked`,
      [name],
    )) as Array<{ locked: boolean }>;
    if (!row?.locked) return null;
    try {
      return await run();
    } finally {
      await runner.query(`SELECT pg_advisory_unlock(hashtext('gateway.retention'), hashtext($1))`, [name]);
    }
  } finally {
    await runner.release();
  }
}

/**
 * Removes a partition without a long lock: DETACH … CONCURRENTLY (queries on the table go on meanwhile), then DROP.
 * Both wait for their locks in short turns (inTurns). A detach cut short (the process died) leaves the partition
 * "detach pending", and a drop cut short leaves a detached table: `finishDetaching` completes both.
 */
export async function dropPartition(db: DataSource, parent: string, partition: string): Promise<void> {
  await onOwnConnection(db, async (runner) => {
    const detached = await inTurns(runner, `ALTER TABLE ${parent} DETACH PARTITION ${partition} CONCURRENTLY`, () =>
      detachPending(runner, partition),
    );
    // Timed out after its first transaction: the detach is pending, and its second half is done in turns too (it
    // waits for the transactions that may still see the partition, and then locks what its foreign keys reference).
    await finishRemoving(runner, parent, partition, !detached);
  });
}

/**
 * Finishes what a dead pass left on these tables: detaches left pending, and partitions detached but not dropped (a
 * table named like one of their daily partitions that is no partition). Drops them; returns their names.
 */
export async function finishDetaching(db: DataSource, parents: string[]): Promise<string[]> {
  const rows = await db.query<Array<{ parent: string; partition: string; pending: boolean }>>(
    `SELECT p.relname AS parent, c.relname AS partition, true AS pending
       FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent
      WHERE i.inhdetachpending AND p.relname = ANY($1)
     UNION ALL
     SELECT parent, c.relname, false
       FROM unnest($1::text[]) AS parent
       JOIN pg_class c ON c.relname ~ ('^' || parent || '_p[0-9]{8}$') AND c.relkind = 'r' AND NOT c.relispartition
       JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = current_schema()`,
    [parents],
  );
  for (const { parent, partition, pending } of rows)
    await onOwnConnection(db, (runner) => finishRemoving(runner, parent, partition, pending));
  return rows.map((r) => r.partition);
}

/** A pending detach finalized, then the detached table dropped, each in turns. */
async function finishRemoving(runner: QueryRunner, parent: string, partition: string, pending: boolean): Promise<void> {
  if (pending) await inTurns(runner, `ALTER TABLE ${parent} DETACH PARTITION ${partition} FINALIZE`, never);
  await inTurns(runner, `DROP TABLE IF EXISTS ${partition}`, never);
}

/** `work` on a connection of its own (session settings such as lock_timeout stay on it, not on a pooled one). */
async function onOwnConnection(db: DataSource, work: (runner: QueryRunner) => Promise<void>): Promise<void> {
  const runner = db.createQueryRunner();
  await runner.connect();
  try {
    await work(runner);
  } finally {
    await runner.release();
  }
}

/** How long a statement may wait for its locks at a time, the pause between its turns, and how many turns it takes. */
const LOCK_TURN_MS = 25;
const TURN_PAUSE_MS = 50;
const TURNS = 200;
const LOCK_NOT_AVAILABLE = '55P03';

/**
 * Runs a DETACH or DROP of a partition waiting for its locks in short turns. The partition's foreign keys make both
 * lock the tables they reference (events, deliveries, endpoints) against writes, so a statement waiting behind a
 * writer's open transaction held up every write on those tables queued after it: under load a retention pass stalled
 * fan-out's writes for up to a third of a second per partition. Under lock_timeout it gives way and tries again after
 * a pause; after TURNS turns (15 s and more) it waits like any statement, so a pass always ends. Returns false when a
 * timeout left the statement half done (`halfDone`: a concurrent detach past its first transaction), true when done.
 */
async function inTurns(runner: QueryRunner, sql: string, halfDone: () => Promise<boolean>): Promise<boolean> {
  for (let turn = 1; turn < TURNS; turn++) {
    await runner.query(`SET lock_timeout = '${LOCK_TURN_MS}ms'`);
    try {
      await runner.query(sql);
      return true;
    } catch (err) {
      if ((err as { code?: unknown }).code !== LOCK_NOT_AVAILABLE) throw err;
      if (await halfDone()) return false;
    } finally {
      await runner.query(`RESET lock_timeout`);
    }
    await new Promise((resolve) => setTimeout(resolve, TURN_PAUSE_MS));
  }
  await runner.query(sql);
  return true;
}

const never = () => Promise.resolve(false);

async function detachPending(runner: QueryRunner, partition: string): Promise<boolean> {
  const [row] = (await runner.query(
    `SELECT EXISTS (SELECT 1 FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
                     WHERE c.relname = $1 AND i.inhdetachpending) AS pending`,
    [partition],
  )) as Array<{ pending: boolean }>;
  return row?.pending ?? false;
}

/** The partitions of several tables partitioned alike, grouped by their bounds: one entry per day (or legacy range). */
export async function partitionsByDay<T extends string>(
  db: DataSource,
  tables: readonly T[],
): Promise<Array<{ from: Date | null; to: Date | null } & Partial<Record<T, string>>>> {
  const days = new Map<string, { from: Date | null; to: Date | null } & Partial<Record<T, string>>>();
  for (const table of tables) {
    for (const p of await new DailyPartitions(db, table).list()) {
      const key = boundsKey(p);
      const day =
        days.get(key) ??
        ({ from: p.from, to: p.to } as { from: Date | null; to: Date | null } & Partial<Record<T, string>>);
      (day as Record<string, unknown>)[table] = p.name;
      days.set(key, day);
    }
  }
  return [...days.values()].sort((a, b) => (a.from?.getTime() ?? -Infinity) - (b.from?.getTime() ?? -Infinity));
}

function boundsKey(p: PartitionInfo): string {
  return `${p.from?.getTime() ?? 'min'}-${p.to?.getTime() ?? 'max'}`;
}

/**
 * When retention passes run: the first a minute after start (not in the burst of a deployment), then 10 minutes after
 * each one ends. `stop` waits for a pass in progress; `stopping` tells a pass to end at its next batch.
 */
export class RetentionSchedule {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  stopping = false;

  constructor(
    private readonly pass: () => Promise<void>,
    private readonly onError: (err: Error) => void,
    private readonly everyMs = 10 * 60_000,
    private readonly firstAfterMs = 60_000,
  ) {}

  start(): void {
    const schedule = (ms: number) => {
      this.timer = setTimeout(() => {
        this.running = this.pass()
          .catch((err: Error) => {
            if (!this.stopping) this.onError(err);
          })
          .finally(() => {
            if (!this.stopping) schedule(this.everyMs);
          });
      }, ms);
      this.timer.unref();
    };
    schedule(this.firstAfterMs);
  }

  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.timer);
    await this.running;
  }
}
