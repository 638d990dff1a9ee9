import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { EndpointDisabler } from '../deliver/endpoint-disabler';
import { OperationalEvents } from '../deliver/operational-events';
import { FanoutConfig } from '../fanout.config';
import { AttemptOutcome, DeliveryStore, NewDelivery, RowIdentity } from './delivery-store';
import { InstanceRegistry } from './instance-registry';
import { OutcomeJournal } from './outcome-journal';
import { UnsavedDelivery, rowOf } from './unsaved-delivery';

const FLUSH_EVERY_MS = 50;
const FLUSH_AT = 500;
const MAX_BUFFERED = 50_000;

interface Entry {
  /** Its place in the order entries were pushed in. */
  seq: number;
  outcome?: AttemptOutcome;
  pending?: NewDelivery;
  /** The first attempt whose row this write creates: its batch's offset may move on once it is committed. */
  unsaved?: UnsavedDelivery;
}

/**
 * Batches delivery writes: one transaction per 50 ms (or 500 entries), in the order they were recorded.
 *
 * A first attempt from Kafka has no row yet (see UnsavedDelivery): its row is inserted with its outcome, or — if it is
 * still queued or in flight after FANOUT_SAVE_AFTER_MS — inserted pending and leased to this instance, and its outcome
 * later updates it. Either way its Kafka batch is told once the row is committed.
 *
 * Every outcome is also appended to the crash journal (OutcomeJournal) until its write is committed; at start, the
 * outcomes a crashed instance left there are written first (`recoverCrashed`).
 *
 * If Postgres is briefly unavailable, entries wait here. Outcomes of rows that exist are never needed for safety: if
 * one is lost, the delivery's lease expires and it is attempted again (a duplicate, never a loss). Unsaved first
 * attempts hold their Kafka offsets until written, so a crash before that re-consumes them.
 */
@Injectable()
export class OutcomeWriter implements OnModuleInit {
  private readonly logger = new Logger(OutcomeWriter.name);
  private buffer: Entry[] = [];
  private flushing: Promise<void> | null = null;
  private timer?: NodeJS.Timeout;
  /** First attempts without a row yet, oldest first (a Map keeps insertion order). */
  private readonly unsaved = new Map<string, UnsavedDelivery>();
  /** `eventId endpointId` of first attempts whose rows are not committed yet (queued, in flight, or being written). */
  private readonly held = new Set<string>();
  /** Entries pushed so far, and the last of them whose write is committed (or given up): see `written`. */
  private pushed = 0;
  private committed = 0;
  private waiters: Array<{ seq: number; resolve: () => void }> = [];

  constructor(
    private readonly store: DeliveryStore,
    private readonly disabler: EndpointDisabler,
    private readonly notices: OperationalEvents,
    private readonly instance: InstanceRegistry,
    private readonly journal: OutcomeJournal,
    private readonly config: FanoutConfig,
  ) {}

  /**
   * Opens this instance's crash journal, then writes the outcomes that instances which crashed on this machine left
   * in theirs (before this instance consumes or polls anything: the rows they create are what keeps those deliveries
   * from being sent again). Call once the instance is registered.
   */
  async recoverCrashed(): Promise<void> {
    await this.journal.open(this.instance.id);
    const cutoff = new Date(Date.now() - this.config.FANOUT_DISABLE_AFTER_FAILING_HOURS * 3600_000);
    for (const orphan of await this.journal.orphans((owner) => this.instance.known(owner))) {
      const written = await this.store.replayOutcomes(orphan.outcomes, cutoff);
      this.journal.done(orphan);
      this.logger.log(
        `crash journal of ${orphan.owner}: wrote the ${written} of its ${orphan.outcomes.length} outcomes the database did not have`,
      );
    }
  }

  onModuleInit(): void {
    this.timer = setInterval(() => {
      this.saveOverdue();
      void this.flush();
    }, FLUSH_EVERY_MS);
    this.timer.unref();
  }

  /** First attempts taken from Kafka whose rows are not written yet. */
  track(deliveries: UnsavedDelivery[]): void {
    for (const d of deliveries) {
      this.unsaved.set(d.id, d);
      this.held.add(`${d.eventId} ${d.endpointId}`);
    }
  }

  /** Whether this instance holds a first attempt of this event to this endpoint whose row is not committed yet. */
  holds(eventId: string, endpointId: string): boolean {
    return this.held.has(`${eventId} ${endpointId}`);
  }

  /**
   * Records an attempt's outcome. `unsaved` is the first attempt's row to create with it (the attempter takes it
   * only while `saved` is false, and sets it). `row` is what a first attempt's row, written pending before, is made
   * of: the journal keeps it, so that a replay can create the row if that pending write was never committed.
   */
  record(outcome: AttemptOutcome, unsaved?: UnsavedDelivery, row?: RowIdentity & { createdAt: Date }): void {
    if (unsaved) this.unsaved.delete(unsaved.id);
    this.journal.append(row ? { ...outcome, delivery: { ...outcome.delivery, insert: row } } : outcome);
    this.push({ seq: 0, outcome, unsaved });
  }

  /**
   * Writes rows for first attempts that will not be made by this instance after all (handed back at shutdown): pending
   * and not leased, so any instance's retry poller takes them.
   */
  handBack(deliveries: UnsavedDelivery[]): void {
    for (const d of deliveries) this.savePending(d, null);
  }

  /**
   * Resolves once everything recorded before the call is committed (written at once, not at the next tick): an ordered
   * lane goes on only after the outcomes of its run are in the database, where the next claim of the lane reads them.
   */
  written(): Promise<void> {
    const seq = this.pushed;
    if (this.committed >= seq) return Promise.resolve();
    return new Promise((resolve) => {
      this.waiters.push({ seq, resolve });
      void this.flush();
    });
  }

  /**
   * Writes everything buffered so far (at shutdown) and closes the journal: deleted if everything is written, kept
   * for the next instance started here if not (the database was unreachable).
   */
  async flushAll(): Promise<void> {
    clearInterval(this.timer);
    for (let i = 0; i < 20 && (this.buffer.length || this.flushing); i++) {
      await (this.flushing ?? this.flush());
    }
    await this.journal.close(!this.buffer.length && !this.flushing);
  }

  /**
   * Every first attempt this instance holds without a row gets its pending row now, leased to us, and is written at
   * once. Called when the consumer group rebalances: the next owner of a partition consumes its uncommitted records
   * again and makes only the deliveries that have no row, so these would otherwise be sent twice, by both instances.
   * This instance still attempts them from memory; their outcomes update the rows.
   */
  saveHeldNow(): void {
    const leaseUntil = new Date(Date.now() + this.config.FANOUT_LEASE_SECONDS * 1000);
    for (const d of [...this.unsaved.values()]) this.savePending(d, leaseUntil);
    void this.flush();
  }

  /** Unsaved first attempts still queued or in flight after FANOUT_SAVE_AFTER_MS get a pending row, leased to us. */
  private saveOverdue(): void {
    const cutoff = Date.now() - this.config.FANOUT_SAVE_AFTER_MS;
    for (const d of this.unsaved.values()) {
      if (d.since > cutoff) break;
      this.savePending(d, new Date(Date.now() + this.config.FANOUT_LEASE_SECONDS * 1000));
    }
  }

  private savePending(d: UnsavedDelivery, leaseUntil: Date | null): void {
    this.unsaved.delete(d.id);
    if (d.saved) return;
    d.saved = true;
    const pending = { id: d.id, ...rowOf(d), leaseUntil, leaseOwner: this.instance.id, nextAttemptAt: new Date() };
    this.push({ seq: 0, pending, unsaved: d });
  }

  private push(entry: Entry): void {
    entry.seq = ++this.pushed;
    this.buffer.push(entry);
    if (this.buffer.length >= FLUSH_AT) void this.flush();
  }

  private flush(): Promise<void> {
    if (this.flushing || !this.buffer.length) return this.flushing ?? Promise.resolve();
    const batch = this.buffer;
    this.buffer = [];
    const cutoff = new Date(Date.now() - this.config.FANOUT_DISABLE_AFTER_FAILING_HOURS * 3600_000);
    const outcomes = batch.flatMap((e) => (e.outcome ? [e.outcome] : []));
    const pending = batch.flatMap((e) => (e.pending ? [e.pending] : []));
    // Every outcome journaled so far is in this batch (or was committed before it).
    const journaled = this.journal.cut();
    this.flushing = this.store
      .recordOutcomes(outcomes, cutoff, pending)
      .then(async ({ failingTooLong, turns }) => {
        this.journal.release(journaled);
        this.settled(batch[batch.length - 1]!.seq);
        for (const e of batch) {
          if (!e.unsaved) continue;
          this.held.delete(`${e.unsaved.eventId} ${e.unsaved.endpointId}`);
          e.unsaved.barrier.saved();
        }
        for (const endpointId of failingTooLong) {
          await this.disabler.disable(
            endpointId,
            `every attempt failed for ${this.config.FANOUT_DISABLE_AFTER_FAILING_HOURS} hours`,
          );
        }
        // Not awaited: the next write need not wait for the broker (a notice that fails is logged by its publisher).
        void Promise.all(turns.map((turn) => this.notices.healthTurned(turn)));
      })
      .catch((err: Error) => {
        this.logger.warn(`could not write ${batch.length} delivery outcomes, will retry: ${err.message}`);
        // Rows that do not exist yet are never dropped: their Kafka offsets wait for them.
        const keep = this.buffer.length + batch.length - MAX_BUFFERED;
        const retry = keep > 0 ? dropOldestOptional(batch, keep) : batch;
        this.buffer = [...retry, ...this.buffer];
        // Waiting for outcomes that were dropped is waiting for nothing: they are settled (their leases expire).
        if (keep > 0) this.settled((this.buffer[0]?.seq ?? this.pushed + 1) - 1);
      })
      .finally(() => {
        this.flushing = null;
        // Someone waits for entries pushed while this write ran: write them now rather than at the next tick.
        if (this.waiters.length && this.buffer.length) void this.flush();
      });
    return this.flushing;
  }

  private settled(seq: number): void {
    if (seq <= this.committed) return;
    this.committed = seq;
    const ready = this.waiters.filter((w) => w.seq <= seq);
    if (!ready.length) return;
    this.waiters = this.waiters.filter((w) => w.seq > seq);
    for (const w of ready) w.resolve();
  }
}

/** Drops up to `count` outcomes of rows that exist (their leases expire and they are retried), oldest first. */
function dropOldestOptional(entries: Entry[], count: number): Entry[] {
  let dropped = 0;
  return entries.filter((e) => e.unsaved !== undefined || dropped++ >= count);
}
