import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import {
  ExpiredEventsWriter,
  forgetOldExpiredFilters,
  RetentionSchedule,
  retentionCutoff,
  tenantRetentions,
  withRetentionLock,
} from '@gateway/persistence';
import { FanoutConfig } from '../fanout.config';
import { EventPartitions } from '../store/event-partitions';
import { EventDay, RetentionStore } from './retention-store';

/**
 * After each step of a pass (a batch deleted, a page of ids remembered, a partition dropped) it pauses YIELD_RATIO
 * times as long as the step took, and at least PAUSE_MS: a pass takes at most a quarter of the time it runs, and
 * delivery, on the same cores and the same database, goes first. At full speed a pass dropping ten days of a
 * million events took a third of the box for 8 s and delivery fell behind a fixed 5,000 deliveries/s.
 */
const YIELD_RATIO = 3;
const PAUSE_MS = 20;

export interface RetentionReport {
  /** Days (partitions of the three tables) detached and dropped. */
  droppedDays: string[];
  /** Days past every tenant's retention kept whole because a delivery in them is still to be attempted. */
  heldDays: string[];
  deletedDeliveries: number;
  deletedEvents: number;
  /** Event ids remembered as expired (for `GET /v1/events/{id}`'s 404 `expired`). */
  expiredIds: number;
  ms: number;
}

/**
 * Removes what is past its tenant's retention (`retentionDays`, or GATEWAY_RETENTION_DAYS) from events, deliveries
 * and delivery_attempts, every 10 minutes, one fan-out instance at a time (an advisory lock):
 *
 * 1. A day past the longest retention of all tenants, in which no delivery is pending or retrying, is detached and
 *    dropped whole (its three partitions), after its event ids are remembered as expired.
 * 2. A tenant whose retention is shorter has its rows deleted in batches of 5,000, whole days at a time (a day goes
 *    once it is past the tenant's retention in full); and so are the finished rows of a day held back by (1), and
 *    the rows past every retention in the range an upgrade attached before the first day.
 *
 * A delivery that is pending or retrying is never removed, whatever its age, nor its event.
 */
@Injectable()
export class RetentionJob implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(RetentionJob.name);
  private readonly schedule = new RetentionSchedule(
    async () => {
      const report = await this.runOnce();
      if (report) this.log(report);
    },
    (err) => this.logger.warn(`retention pass failed, next in 10 minutes: ${err.message}`),
  );

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly store: RetentionStore,
    private readonly partitions: EventPartitions,
    @Inject(FanoutConfig) private readonly config: Pick<FanoutConfig, 'GATEWAY_RETENTION_DAYS'>,
  ) {}

  onApplicationBootstrap(): void {
    this.schedule.start();
  }

  onModuleDestroy(): Promise<void> {
    return this.schedule.stop();
  }

  /** One pass; null when another instance is running one. */
  runOnce(now = new Date()): Promise<RetentionReport | null> {
    return withRetentionLock(this.db, 'events', () => this.pass(now));
  }

  private async pass(now: Date): Promise<RetentionReport> {
    const started = Date.now();
    const defaultDays = this.config.GATEWAY_RETENTION_DAYS;
    const tenants = await tenantRetentions(this.db, defaultDays);
    const longest = Math.max(defaultDays, ...tenants.values());
    const everyoneBefore = retentionCutoff(now, longest);
    const expired = new ExpiredEventsWriter(this.db);
    const report: RetentionReport = {
      droppedDays: [],
      heldDays: [],
      deletedDeliveries: 0,
      deletedEvents: 0,
      expiredIds: 0,
      ms: 0,
    };
    // Between steps; a shutdown ends the pass there (what is deleted stays deleted, the rest waits for the next).
    let stepStarted = Date.now();
    const pause = async () => {
      if (this.schedule.stopping) throw new Error('stopping');
      const worked = Date.now() - stepStarted;
      await new Promise<void>((resolve) => setTimeout(resolve, Math.max(PAUSE_MS, worked * YIELD_RATIO)));
      stepStarted = Date.now();
    };
    try {
      const kept: EventDay[] = [];
      for (const day of await this.store.days()) {
        if (this.schedule.stopping) break;
        const whole = day.to !== null && day.to.getTime() <= everyoneBefore.getTime();
        if (!whole) {
          // Only the range before the first day (an upgrade's old tables) starts before the cutoff and ends after it:
          // what in it is past every tenant's retention goes row by row.
          if (day.from === null || day.from.getTime() < everyoneBefore.getTime()) {
            const removed = await this.store.deleteRows(day, { before: everyoneBefore }, expired, pause);
            report.deletedDeliveries += removed.deliveries;
            report.deletedEvents += removed.events;
          }
          kept.push(day);
          continue;
        }
        if (await this.store.hasUnfinished(day)) {
          report.heldDays.push(nameOf(day));
          const removed = await this.store.deleteRows(day, { before: day.to! }, expired, pause);
          report.deletedDeliveries += removed.deliveries;
          report.deletedEvents += removed.events;
          continue;
        }
        await this.store.dropDay(day, expired, pause);
        report.droppedDays.push(nameOf(day));
      }
      if (report.droppedDays.length) this.partitions.forget();
      for (const [tenantId, days] of tenants) {
        if (days >= longest || this.schedule.stopping) continue;
        const before = retentionCutoff(now, days);
        for (const day of kept) {
          if (day.from !== null && day.from.getTime() >= before.getTime()) continue;
          const removed = await this.store.deleteRows(day, { before, tenantId }, expired, pause);
          report.deletedDeliveries += removed.deliveries;
          report.deletedEvents += removed.events;
        }
      }
    } finally {
      // What was removed is remembered, also when the pass ends early (a shutdown, an error).
      await expired.flush();
    }
    await forgetOldExpiredFilters(this.db, now);
    report.expiredIds = expired.written;
    report.ms = Date.now() - started;
    return report;
  }

  private log(r: RetentionReport): void {
    if (!r.droppedDays.length && !r.deletedDeliveries && !r.deletedEvents && !r.heldDays.length) return;
    this.logger.log(
      `retention: dropped ${r.droppedDays.length} days (${r.droppedDays.join(', ') || 'none'}), deleted ` +
        `${r.deletedDeliveries} deliveries and ${r.deletedEvents} events, ${r.expiredIds} ids remembered as expired` +
        (r.heldDays.length ? `; kept ${r.heldDays.join(', ')} (deliveries still to attempt)` : '') +
        ` in ${r.ms} ms`,
    );
  }
}

function nameOf(day: EventDay): string {
  return day.from ? day.from.toISOString().slice(0, 10) : `before ${day.to!.toISOString().slice(0, 10)}`;
}
