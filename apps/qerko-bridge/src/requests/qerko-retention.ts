import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import {
  dropPartition,
  finishDetaching,
  partitionsByDay,
  RetentionSchedule,
  retentionCutoff,
  tenantRetentions,
  withRetentionLock,
} from '@gateway/persistence';
import { QerkoBridgeConfig } from '../qerko-bridge.config';
import { QerkoRequestPartitions } from './qerko-request-partitions';

const BATCH = 5000;
const PAUSE_MS = 20;

/**
 * Removes Qerko requests past their tenant's retention (`retentionDays`, or GATEWAY_RETENTION_DAYS), every 10 minutes,
 * one bridge instance at a time: a day past every tenant's retention with no pending request is detached and dropped
 * whole; a tenant whose retention is shorter has its finished requests deleted in batches of 5,000, whole days at a
 * time, and so has the range an upgrade attached before the first day, past every retention. A pending request is
 * never removed.
 */
@Injectable()
export class QerkoRetention implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(QerkoRetention.name);
  private readonly schedule = new RetentionSchedule(
    async () => {
      const r = await this.runOnce();
      if (r && (r.droppedDays.length || r.deleted)) this.logger.log(`retention: ${JSON.stringify(r)}`);
    },
    (err) => this.logger.warn(`retention pass failed, next in 10 minutes: ${err.message}`),
  );

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly partitions: QerkoRequestPartitions,
    private readonly config: QerkoBridgeConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.schedule.start();
  }

  onModuleDestroy(): Promise<void> {
    return this.schedule.stop();
  }

  /** One pass; null when another instance is running one. */
  runOnce(now = new Date()): Promise<{ droppedDays: string[]; deleted: number } | null> {
    return withRetentionLock(this.db, 'qerko_requests', async () => {
      const defaultDays = this.config.GATEWAY_RETENTION_DAYS;
      const tenants = await tenantRetentions(this.db, defaultDays);
      const longest = Math.max(defaultDays, ...tenants.values());
      const everyoneBefore = retentionCutoff(now, longest);
      await finishDetaching(this.db, ['qerko_requests']);
      const report = { droppedDays: [] as string[], deleted: 0 };
      const kept: string[] = [];
      for (const day of await partitionsByDay(this.db, ['qerko_requests'] as const)) {
        const partition = day.qerko_requests!;
        const whole = day.to !== null && day.to.getTime() <= everyoneBefore.getTime();
        if (whole && !(await this.hasPending(partition))) {
          await dropPartition(this.db, 'qerko_requests', partition);
          report.droppedDays.push(partition);
          continue;
        }
        if (whole) report.deleted += await this.deleteRows(partition, day.to!);
        else {
          // The range an upgrade attached before the first day may end after the cutoff: its expired rows go one by one.
          if (day.from === null || day.from.getTime() < everyoneBefore.getTime())
            report.deleted += await this.deleteRows(partition, everyoneBefore);
          if (day.from === null || day.from.getTime() < now.getTime()) kept.push(partition);
        }
      }
      if (report.droppedDays.length) this.partitions.forget();
      for (const [tenantId, days] of tenants) {
        if (days >= longest) continue;
        for (const partition of kept)
          report.deleted += await this.deleteRows(partition, retentionCutoff(now, days), tenantId);
      }
      return report;
    });
  }

  private async hasPending(partition: string): Promise<boolean> {
    const [row] = await this.db.query<Array<{ found: boolean }>>(
      `SELECT EXISTS (SELECT 1 FROM ${partition} WHERE state = 'pending') AS found`,
    );
    return row?.found ?? false;
  }

  /** Deletes the partition's finished requests received before `before` (of one tenant, or all), in batches. */
  private async deleteRows(partition: string, before: Date, tenantId?: string): Promise<number> {
    let deleted = 0;
    for (;;) {
      const [row] = await this.db.query<Array<{ n: number }>>(
        `WITH doomed AS (
           SELECT ctid FROM ${partition}
            WHERE received_at < $1 AND state <> 'pending' ${tenantId ? 'AND tenant_id = $2' : ''}
            LIMIT ${BATCH}
         ), gone AS (DELETE FROM ${partition} q USING doomed WHERE q.ctid = doomed.ctid RETURNING 1)
         SELECT count(*)::int AS n FROM gone`,
        [before.toISOString(), ...(tenantId ? [tenantId] : [])],
      );
      deleted += row?.n ?? 0;
      if ((row?.n ?? 0) < BATCH) return deleted;
      await new Promise((resolve) => setTimeout(resolve, PAUSE_MS));
    }
  }
}
