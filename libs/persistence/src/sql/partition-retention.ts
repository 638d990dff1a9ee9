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
 * A detach cut short (the process died) leaves the partition "detach pending": `finishDetaching` completes it.
 */
export async function dropPartition(db: DataSource, parent: string, partition: string): Promise<void> {
  await db.query(`ALTER TABLE ${parent} DETACH PARTITION ${partition} CONCURRENTLY`);
  await db.query(`DROP TABLE ${partition}`);
}

/** Finishes detaches a dead pass left pending on these tables, and drops those partitions. Returns their names. */
export async function finishDetaching(db: DataSource, parents: string[]): Promise<string[]> {
  const rows = await db.query<Array<{ parent: string; partition: string }>>(
    `SELECT p.relname AS parent, c.relname AS partition
       FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent
      WHERE i.inhdetachpending AND p.relname = ANY($1)`,
    [parents],
  );
  for (const { parent, partition } of rows) {
    await db.query(`ALTER TABLE ${parent} DETACH PARTITION ${partition} FINALIZE`);
    await db.query(`DROP TABLE ${partition}`);
  }
  return rows.map((r) => r.partition);
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
