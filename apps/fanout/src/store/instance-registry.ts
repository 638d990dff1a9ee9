import { randomBytes } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

const HEARTBEAT_MS = 2000;
/** Rows of instances gone this long are deleted (their leases were taken over long ago). */
const FORGET_AFTER = '1 hour';

/**
 * This fan-out instance in `fanout_instances`: an id its leases carry, and a heartbeat every 2 s. Other instances
 * take over the deliveries of one whose heartbeat went stale (a crash); a graceful stop hands its leases back and
 * removes the row.
 */
@Injectable()
export class InstanceRegistry {
  readonly id = `fo_${randomBytes(12).toString('base64url')}`;
  private readonly logger = new Logger(InstanceRegistry.name);
  private timer?: NodeJS.Timeout;
  /** When the last heartbeat was written (ms since the epoch; 0 before the first). */
  private beatAt = 0;

  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async start(): Promise<void> {
    await this.beat();
    this.timer = setInterval(() => {
      this.beat().catch((err: Error) => this.logger.warn(`heartbeat failed: ${err.message}`));
    }, HEARTBEAT_MS);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.db.query(`DELETE FROM fanout_instances WHERE id = $1`, [this.id]).catch((err: Error) => {
      this.logger.warn(`could not deregister (other instances will see it as gone soon): ${err.message}`);
    });
  }

  /** How long ago this instance's last heartbeat was written: past FANOUT_INSTANCE_TIMEOUT_SECONDS, others take over. */
  get sinceHeartbeatMs(): number {
    return Date.now() - this.beatAt;
  }

  /** Whether `id` is (or was, within the last hour) a fan-out instance of this database. */
  async known(id: string): Promise<boolean> {
    const rows: unknown[] = await this.db.query(`SELECT 1 FROM fanout_instances WHERE id = $1`, [id]);
    return rows.length > 0;
  }

  private async beat(): Promise<void> {
    await this.db.query(
      `INSERT INTO fanout_instances (id) VALUES ($1) ON CONFLICT (id) DO UPDATE SET heartbeat_at = now()`,
      [this.id],
    );
    this.beatAt = Date.now();
    if (Math.random() < 0.01) {
      await this.db.query(`DELETE FROM fanout_instances WHERE heartbeat_at < now() - interval '${FORGET_AFTER}'`);
    }
  }
}
