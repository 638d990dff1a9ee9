import type { DataSource } from 'typeorm';
import { isMissingPartition } from '../errors/data-error';

const DAY_MS = 86_400_000;
const NAME = /^[a-z_][a-z0-9_]{0,40}$/;

/** One partition of a range-partitioned table, as PostgreSQL has it. */
export interface PartitionInfo {
  name: string;
  /** Inclusive lower bound, or null for MINVALUE (a partition attached from an older, unpartitioned table). */
  from: Date | null;
  /** Exclusive upper bound, or null for MAXVALUE. */
  to: Date | null;
}

/** The UTC day (its midnight) an instant falls in. */
export function dayOf(instant: Date | number): Date {
  const ms = typeof instant === 'number' ? instant : instant.getTime();
  return new Date(Math.floor(ms / DAY_MS) * DAY_MS);
}

/** `events_p20261204`: the partition of `table` holding the UTC day that starts at `day`. */
export function partitionName(table: string, day: Date): string {
  return `${table}_p${day.toISOString().slice(0, 10).replaceAll('-', '')}`;
}

/**
 * The daily partitions of one table partitioned `BY RANGE` on a timestamptz column, one per UTC day, created by the
 * services that write to it (no cron outside the gateway). `ensure` is what a writer calls with the instants it is
 * about to insert: it creates the days that have no partition yet, and remembers the ones it has seen, so the hot
 * path pays one set lookup per day. Several instances may race: creation holds a transaction-level advisory lock
 * per table and re-reads the partitions under it, and a day already covered by any partition (a day's own, or one
 * attached from the table's unpartitioned past) is never created again.
 */
export class DailyPartitions {
  private readonly known = new Set<number>();
  private pending?: Promise<void>;

  constructor(
    private readonly db: DataSource,
    readonly table: string,
  ) {
    if (!NAME.test(table)) throw new Error(`not a table name: ${table}`);
  }

  /** Makes sure every day of these instants has a partition (a set lookup when it does). */
  async ensure(instants: Iterable<Date | number>): Promise<void> {
    const missing = new Set<number>();
    for (const instant of instants) {
      const day = dayOf(instant).getTime();
      if (!this.known.has(day)) missing.add(day);
    }
    if (missing.size) await this.create([...missing].map((day) => new Date(day)));
  }

  /** Creates the partitions of `days` days from the day of `from` on (its own day included), ahead of need. */
  ensureAhead(from: Date, days: number): Promise<void> {
    const first = dayOf(from).getTime();
    return this.ensure(Array.from({ length: days + 1 }, (_, i) => first + i * DAY_MS));
  }

  /** Forgets what it has seen (after partitions were dropped by someone else): the next `ensure` looks again. */
  forget(): void {
    this.known.clear();
  }

  /** The table's partitions, oldest first. */
  async list(): Promise<PartitionInfo[]> {
    return (await this.listWith((sql, params) => this.db.query(sql, params))).sort(byStart);
  }

  private async create(days: Date[]): Promise<void> {
    // One creation at a time in this instance: concurrent batches of the same new day wait for the first.
    while (this.pending) await this.pending;
    const run = this.createLocked(days);
    this.pending = run.finally(() => (this.pending = undefined)).catch(() => undefined);
    await run;
  }

  private async createLocked(days: Date[]): Promise<void> {
    await this.db.transaction(async (tx) => {
      await tx.query(`SELECT pg_advisory_xact_lock(hashtext('gateway.partitions'), hashtext($1))`, [this.table]);
      const existing = await this.listWith((sql, params) => tx.query(sql, params));
      for (const day of days) {
        const start = day.getTime();
        const end = start + DAY_MS;
        const covered = existing.some(
          (p) => (p.from === null || p.from.getTime() <= start) && (p.to === null || p.to.getTime() >= end),
        );
        const overlaps = existing.some(
          (p) => (p.from === null || p.from.getTime() < end) && (p.to === null || p.to.getTime() > start),
        );
        if (!covered && overlaps) {
          throw new Error(`${this.table}: the day ${day.toISOString()} is partly covered by another partition`);
        }
        if (!covered) {
          await tx.query(
            `CREATE TABLE ${partitionName(this.table, day)} PARTITION OF ${this.table}
               FOR VALUES FROM ('${day.toISOString()}') TO ('${new Date(end).toISOString()}')`,
          );
        }
      }
    });
    for (const day of days) this.known.add(day.getTime());
  }

  private async listWith(query: (sql: string, params: unknown[]) => Promise<unknown>): Promise<PartitionInfo[]> {
    const rows = (await query(
      `SELECT c.relname AS name, pg_get_expr(c.relpartbound, c.oid) AS bound
         FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
        WHERE i.inhparent = $1::regclass`,
      [this.table],
    )) as Array<{ name: string; bound: string }>;
    return rows.map((row) => ({ name: row.name, ...parseBound(row.bound) }));
  }
}

/**
 * `FOR VALUES FROM ('2026-12-04 01:00:00+01') TO (MAXVALUE)`: PostgreSQL writes the instants in the session's time
 * zone, with an offset of hours (and minutes when it has them); MINVALUE and MAXVALUE become null.
 */
function parseBound(bound: string): Pick<PartitionInfo, 'from' | 'to'> {
  const match = /FROM \((.+)\) TO \((.+)\)/.exec(bound);
  if (!match) throw new Error(`not a range partition bound: ${bound}`);
  return { from: instantOf(match[1]!), to: instantOf(match[2]!) };
}

function instantOf(text: string): Date | null {
  if (text === 'MINVALUE' || text === 'MAXVALUE') return null;
  const parts = /^'(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2}(?:\.\d+)?)([+-]\d{2})(?::(\d{2}))?'$/.exec(text);
  if (!parts) throw new Error(`not a timestamptz partition bound: ${text}`);
  return new Date(`${parts[1]}T${parts[2]}${parts[3]}:${parts[4] ?? '00'}`);
}

function byStart(a: PartitionInfo, b: PartitionInfo): number {
  return (a.from?.getTime() ?? -Infinity) - (b.from?.getTime() ?? -Infinity);
}

/** Days of partitions kept ready ahead of today. */
const AHEAD_DAYS = 7;
const HOUR_MS = 3_600_000;

/**
 * The daily partitions of the tables one service writes, created by it: a week ahead (at start and every hour), and
 * on demand: `write` makes sure the days it is about to write exist, and writes once more if a partition was dropped
 * meanwhile (by retention, in another instance). A service subclasses it as an injectable with its tables.
 */
export class DailyPartitionSet {
  private readonly tables: DailyPartitions[];
  private timer?: NodeJS.Timeout;

  constructor(
    db: DataSource,
    tables: string[],
    private readonly onError: (err: Error) => void,
  ) {
    this.tables = tables.map((table) => new DailyPartitions(db, table));
  }

  /** Creates the week ahead now, and every hour from now on. */
  async start(): Promise<void> {
    await this.ahead();
    this.timer = setInterval(() => void this.ahead().catch(this.onError), HOUR_MS);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Runs `write` once the days of `instants` have partitions; once more, after creating them again, if one is gone. */
  async write<T>(instants: Iterable<Date | string>, write: () => Promise<T>): Promise<T> {
    const days = [...instants].map((at) => new Date(at));
    await this.ensure(days);
    try {
      return await write();
    } catch (err) {
      if (!isMissingPartition(err)) throw err;
      this.forget();
      await this.ensure(days);
      return write();
    }
  }

  /** After partitions were dropped here: the next write looks again. */
  forget(): void {
    for (const table of this.tables) table.forget();
  }

  private async ensure(days: Date[]): Promise<void> {
    for (const table of this.tables) await table.ensure(days);
  }

  private async ahead(): Promise<void> {
    for (const table of this.tables) await table.ensureAhead(new Date(), AHEAD_DAYS);
  }
}
