import {
  closeSync,
  lstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import { Server, connect, createServer } from 'node:net';
import { join, relative } from 'node:path';
import { Injectable, Logger } from '@nestjs/common';
import type { AttemptTimings, DeliveryStatus } from '@gateway/persistence';
import { FanoutConfig } from '../fanout.config';
import { AttemptOutcome } from './delivery-store';

/** Longest Unix socket path the kernels we run on accept (108 bytes on Linux, 104 on macOS, with the NUL). */
const MAX_SOCKET_PATH = 100;
/** A dead owner's journal that no instance of this database knows is deleted after this long (see InstanceRegistry). */
const FORGET_AFTER_MS = 3600_000;

/** A journal another instance left behind: its owner is gone and it has been renamed to this instance's name. */
export interface OrphanJournal {
  owner: string;
  /** Its segments, renamed to this instance's name, oldest first. */
  files: string[];
  outcomes: AttemptOutcome[];
}

/**
 * A local, append-only copy of every attempt outcome this instance has not yet committed to PostgreSQL: the crash
 * journal. Outcomes are written to the database in batches (OutcomeWriter), and one that an endpoint has answered
 * but that is not committed yet is, after a `kill -9`, indistinguishable from one never sent: the next owner of the
 * event's partition sends it again. With the journal, the instance restarted in its place (same directory: a
 * container restarted in its pod, a process restarted by its supervisor) first writes what the journal holds, so
 * only what was truly in flight is sent again.
 *
 * Layout, in FANOUT_JOURNAL_DIR (local to the machine, never shared between machines):
 * - `<instance>.sock`: a Unix socket this instance listens on while it lives; nothing is ever sent over it. A
 *   journal whose owner's socket refuses connections belongs to a dead process (no PID reuse, no stale lock files).
 * - `<instance>.<n>.journal`: segments, one outcome per line (a JSON array: `journalLine`). The writer starts a new
 *   segment at each database write (`cut`) and deletes the segments up to it once that write is committed
 *   (`release`), so the journal holds roughly the last write's worth of outcomes.
 *
 * Writes are plain `write(2)` calls without fsync: they survive the death of the process (the page cache is the
 * kernel's), not of the machine, which is what they are for. Any failure (unwritable directory, full disk) switches
 * the journal off with one warning; at-least-once delivery never depends on it.
 */
@Injectable()
export class OutcomeJournal {
  private readonly logger = new Logger(OutcomeJournal.name);
  private dir: string | null;
  private owner = '';
  private server?: Server;
  private fd: number | null = null;
  /** This instance's segments still on disk, oldest first. */
  private segments: number[] = [];
  private next = 0;
  private pending: string[] = [];
  /** Whether anything was written to the current segment. */
  private dirty = false;
  private scheduled = false;
  private claimed = 0;

  constructor(config: FanoutConfig) {
    const dir = config.FANOUT_JOURNAL_DIR.trim();
    this.dir = dir && dir !== 'off' ? dir : null;
  }

  /** Creates the directory (0700, ours), listens on this instance's socket and opens its first segment. */
  async open(owner: string): Promise<void> {
    if (!this.dir) return;
    this.owner = owner;
    try {
      mkdirSync(this.dir, { recursive: true, mode: 0o700 });
      const stat = lstatSync(this.dir);
      if (!stat.isDirectory()) throw new Error('it is not a directory');
      if (process.getuid && stat.uid !== process.getuid()) throw new Error('it belongs to another user');
      const socket = this.socketPath(owner);
      if (socket.length > MAX_SOCKET_PATH) throw new Error(`the path is too long for a Unix socket (${socket})`);
      rmSync(socket, { force: true });
      await new Promise<void>((resolve, reject) => {
        const server = createServer((conn) => conn.destroy());
        server.once('error', reject);
        server.listen(socket, () => resolve());
        this.server = server;
      });
      this.server?.unref();
      this.startSegment();
    } catch (err) {
      this.disable(`cannot use ${this.dir}: ${(err as Error).message}`);
      this.dir = null;
    }
  }

  /** Queues an outcome; it reaches the file at the end of this turn of the event loop (one write for all). */
  append(outcome: AttemptOutcome): void {
    if (this.fd === null) return;
    this.pending.push(journalLine(outcome));
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.writePending());
    }
  }

  /**
   * Writes what is queued and starts a new segment. Returns the mark to `release` once everything appended before
   * this call is committed to the database.
   */
  cut(): number {
    if (this.fd === null) return -1;
    this.writePending();
    const current = this.segments[this.segments.length - 1] ?? -1;
    // An empty segment stays the current one: a write of pending rows only journals nothing.
    if (!this.dirty || this.fd === null) return this.dirty ? current : (this.segments[this.segments.length - 2] ?? -1);
    try {
      this.startSegment();
    } catch (err) {
      this.disable(`cannot start a segment: ${(err as Error).message}`);
    }
    return current;
  }

  /** Deletes the segments up to `mark`: every outcome in them is committed. */
  release(mark: number): void {
    try {
      while (this.segments.length && this.segments[0]! <= mark) {
        rmSync(this.segmentPath(this.owner, this.segments[0]!), { force: true });
        this.segments.shift();
      }
    } catch (err) {
      // Left on disk, it is written again by the next instance here: harmless (what is committed is skipped).
      this.logger.warn(`cannot delete a crash journal segment: ${(err as Error).message}`);
      this.segments.shift();
    }
  }

  /**
   * Stops listening and closes the file. With `clean` (every outcome is committed) the segments are deleted;
   * otherwise they stay for the next instance started here.
   */
  async close(clean: boolean): Promise<void> {
    if (this.fd !== null) {
      this.writePending();
      closeSync(this.fd);
      this.fd = null;
    }
    if (clean) this.release(Infinity);
    if (this.server) await new Promise<void>((resolve) => this.server!.close(() => resolve()));
  }

  /**
   * Journals left by instances that are gone (their socket refuses connections) and that `known` recognises (an
   * instance of this deployment: registered in this database). Each is first renamed to this instance's name, so
   * two instances starting at once never both take it, and one that dies while replaying it leaves it to the next.
   * Call `done` for each once its outcomes are written.
   */
  async orphans(known: (owner: string) => Promise<boolean>): Promise<OrphanJournal[]> {
    if (!this.dir || !this.owner) return [];
    const byOwner = new Map<string, string[]>();
    let names: string[];
    try {
      names = readdirSync(this.dir);
    } catch (err) {
      this.logger.warn(`cannot read the crash journals in ${this.dir}: ${(err as Error).message}`);
      return [];
    }
    for (const name of names) {
      const match = /^([A-Za-z0-9_-]+)\.([A-Za-z0-9]+)\.journal$/.exec(name);
      if (!match || match[1] === this.owner) continue;
      byOwner.set(match[1]!, [...(byOwner.get(match[1]!) ?? []), name]);
    }
    const found: OrphanJournal[] = [];
    for (const [owner, files] of byOwner) {
      if (await this.alive(owner)) continue;
      if (!(await known(owner))) {
        // Another deployment's, or gone so long that its deliveries were taken over: of no use to anyone.
        if (files.every((name) => this.olderThan(name, FORGET_AFTER_MS))) {
          for (const name of files) rmSync(join(this.dir, name), { force: true });
          rmSync(this.socketPath(owner), { force: true });
        }
        continue;
      }
      // Oldest first: a later outcome of a delivery overrides an earlier one.
      files.sort((a, b) => sequenceOf(a) - sequenceOf(b));
      const orphan: OrphanJournal = { owner, files: [], outcomes: [] };
      for (const name of files) {
        const file = join(this.dir, `${this.owner}.c${(this.claimed++).toString().padStart(4, '0')}.journal`);
        try {
          renameSync(join(this.dir, name), file);
        } catch {
          continue; // another instance took it first
        }
        orphan.files.push(file);
        orphan.outcomes.push(...parseJournal(readFileSync(file, 'utf8')));
      }
      if (orphan.files.length) found.push(orphan);
      rmSync(this.socketPath(owner), { force: true });
    }
    return found;
  }

  /** A replayed orphan's outcomes are committed: its files go. */
  done(orphan: OrphanJournal): void {
    for (const file of orphan.files) rmSync(file, { force: true });
  }

  private writePending(): void {
    this.scheduled = false;
    if (this.fd === null || !this.pending.length) return;
    const text = this.pending.join('\n') + '\n';
    this.pending = [];
    try {
      writeSync(this.fd, text);
      this.dirty = true;
    } catch (err) {
      this.disable(`cannot write: ${(err as Error).message}`);
    }
  }

  private startSegment(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
    const n = this.next++;
    this.fd = openSync(this.segmentPath(this.owner, n), 'a', 0o600);
    this.segments.push(n);
    this.dirty = false;
  }

  private disable(reason: string): void {
    this.logger.warn(
      `crash journal off (${reason}): after a crash, outcomes not yet written to the database are sent again`,
    );
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
    this.pending = [];
    this.segments = []; // left for the next instance started here: harmless, and worth having if the process dies
  }

  /** Whether some process listens on the owner's socket (unsure counts as alive: its journal is left alone). */
  private alive(owner: string): Promise<boolean> {
    return new Promise((resolve) => {
      const socket = connect(this.socketPath(owner));
      const timer = setTimeout(() => finish(true), 1000);
      const finish = (alive: boolean) => {
        clearTimeout(timer);
        socket.destroy();
        resolve(alive);
      };
      socket.once('connect', () => finish(true));
      socket.once('error', (err: NodeJS.ErrnoException) =>
        finish(err.code !== 'ECONNREFUSED' && err.code !== 'ENOENT'),
      );
    });
  }

  /** Relative to the working directory when that is shorter: Unix socket paths are limited to about 100 bytes. */
  private socketPath(owner: string): string {
    const absolute = join(this.dir!, `${owner}.sock`);
    const fromHere = relative(process.cwd(), absolute);
    return fromHere.length < absolute.length ? fromHere : absolute;
  }

  private olderThan(name: string, ms: number): boolean {
    try {
      return Date.now() - statSync(join(this.dir!, name)).mtimeMs > ms;
    } catch {
      return false;
    }
  }

  private segmentPath(owner: string, n: number): string {
    return join(this.dir!, `${owner}.${n.toString().padStart(6, '0')}.journal`);
  }
}

/** Files an owner claimed from instances dead before it (`c0001`) hold older outcomes than its own segments. */
function sequenceOf(name: string): number {
  const part = name.split('.')[1] ?? '';
  return part.startsWith('c') ? Number(part.slice(1)) - 1e9 : Number(part);
}

/** The first element of a journal line: the layout of the array that follows (the first layout was an object). */
const LINE_LAYOUT = 2;

type InsertTuple = [string, number, string, string, string, number];
type AttemptTuple = [
  string,
  string,
  string,
  number,
  number,
  number,
  number | null,
  string | null,
  string | null,
  string | null,
  AttemptTimings | null,
];
type LineTuple = [
  typeof LINE_LAYOUT,
  string,
  number | null,
  DeliveryStatus,
  number,
  number | null,
  number | null,
  string | null,
  boolean,
  InsertTuple | null,
  AttemptTuple | null,
];

/**
 * One outcome as a journal line: an array of strings, numbers and nulls, times as epoch milliseconds. Written for
 * every attempt, so it is built for JSON.stringify's fast path: an object holding Dates leaves it at each Date's
 * `toJSON`, and took three times as long for twice the bytes.
 */
export function journalLine(outcome: AttemptOutcome): string {
  const { attempt: a, delivery: d } = outcome;
  const i = d.insert;
  const line: LineTuple = [
    LINE_LAYOUT,
    d.id,
    d.eventReceivedAt ? d.eventReceivedAt.getTime() : null,
    d.status,
    d.attemptCount,
    d.nextAttemptAt ? d.nextAttemptAt.getTime() : null,
    d.lastStatusCode,
    d.lastError,
    d.completed,
    i ? [i.eventId, i.eventReceivedAt.getTime(), i.endpointId, i.tenantId, i.eventType, i.createdAt.getTime()] : null,
    a
      ? [
          a.id,
          a.deliveryId,
          a.endpointId,
          a.number,
          a.startedAt.getTime(),
          a.durationMs,
          a.statusCode,
          a.errorClass,
          a.errorMessage,
          a.responseBody,
          a.timings,
        ]
      : null,
  ];
  return JSON.stringify(line);
}

/**
 * A journal line's outcome, or null when the line is not one (not a journal's, or damaged): a time that is not a
 * number would reach the database as an invalid date and stop the replay, so the instance could not start.
 */
function fromLine(line: LineTuple): AttemptOutcome | null {
  if (line.length !== 11 || line[0] !== LINE_LAYOUT || typeof line[1] !== 'string' || typeof line[4] !== 'number')
    return null;
  const [, id, eventReceivedAt, status, attemptCount, nextAttemptAt, lastStatusCode, lastError, completed, i, a] = line;
  const time = (t: unknown) => typeof t === 'number' && Number.isFinite(t);
  if ((eventReceivedAt !== null && !time(eventReceivedAt)) || (nextAttemptAt !== null && !time(nextAttemptAt)))
    return null;
  if (i !== null && !(Array.isArray(i) && i.length === 6 && time(i[1]) && time(i[5]))) return null;
  if (a !== null && !(Array.isArray(a) && a.length === 11 && time(a[4]))) return null;
  const delivery: AttemptOutcome['delivery'] = {
    id,
    status,
    attemptCount,
    nextAttemptAt: nextAttemptAt === null ? null : new Date(nextAttemptAt),
    lastStatusCode,
    lastError,
    completed,
  };
  if (eventReceivedAt !== null) delivery.eventReceivedAt = new Date(eventReceivedAt);
  // In journalLine's order.
  if (i)
    delivery.insert = {
      eventId: i[0],
      eventReceivedAt: new Date(i[1]),
      endpointId: i[2],
      tenantId: i[3],
      eventType: i[4],
      createdAt: new Date(i[5]),
    };
  const attempt = a && {
    id: a[0],
    deliveryId: a[1],
    endpointId: a[2],
    number: a[3],
    startedAt: new Date(a[4]),
    durationMs: a[5],
    statusCode: a[6],
    errorClass: a[7],
    errorMessage: a[8],
    responseBody: a[9],
    timings: a[10],
  };
  return { attempt, delivery };
}

/**
 * The outcomes in a journal's text, dates revived; a torn or unreadable line is skipped. Lines written before
 * `journalLine` (an outcome as a JSON object, dates as ISO strings) are read too: an upgraded instance replays what the
 * one it replaces left.
 */
export function parseJournal(text: string): AttemptOutcome[] {
  const outcomes: AttemptOutcome[] = [];
  for (const line of text.split('\n')) {
    if (!line) continue;
    try {
      const parsed = JSON.parse(line) as unknown;
      if (Array.isArray(parsed)) {
        const outcome = fromLine(parsed as LineTuple);
        if (outcome) outcomes.push(outcome);
        continue;
      }
      const o = parsed as AttemptOutcome;
      if (typeof o?.delivery?.id !== 'string' || typeof o.delivery.attemptCount !== 'number') continue;
      if (o.attempt) o.attempt.startedAt = new Date(o.attempt.startedAt);
      if (o.delivery.nextAttemptAt) o.delivery.nextAttemptAt = new Date(o.delivery.nextAttemptAt);
      if (o.delivery.eventReceivedAt) o.delivery.eventReceivedAt = new Date(o.delivery.eventReceivedAt);
      if (o.delivery.insert) {
        o.delivery.insert.createdAt = new Date(o.delivery.insert.createdAt);
        // Absent from journals written before deliveries were partitioned: replayOutcomes reads it from the row.
        if (o.delivery.insert.eventReceivedAt)
          o.delivery.insert.eventReceivedAt = new Date(o.delivery.insert.eventReceivedAt);
      }
      outcomes.push(o);
    } catch {
      // a line torn by a crash of the machine mid-write: that outcome is sent again, as without a journal
    }
  }
  return outcomes;
}
