import { Injectable, Logger } from '@nestjs/common';
import { FanoutConfig } from '../fanout.config';
import { DeliveryStore } from '../store/delivery-store';
import { InstanceRegistry } from '../store/instance-registry';
import { Dispatcher } from './dispatcher';
import { OrderedLanes } from './ordered-lanes';

/** Most due deliveries claimed per poll; at most FANOUT_MAX_QUEUED are held in memory, the rest wait in Postgres. */
const CLAIM_BATCH = 500;

/**
 * Polls the retry queue (the deliveries table) for due deliveries: retries, manual retries, deliveries that did not
 * fit in memory, and those a crashed instance held (its heartbeat went stale, or their lease expired). Retries thus
 * survive any restart.
 */
@Injectable()
export class RetryPoller {
  private readonly logger = new Logger(RetryPoller.name);
  private timer?: NodeJS.Timeout;
  private stopped = true;
  private lastSuccess = Date.now();

  constructor(
    private readonly store: DeliveryStore,
    private readonly dispatcher: Dispatcher,
    private readonly lanes: OrderedLanes,
    private readonly instance: InstanceRegistry,
    private readonly config: FanoutConfig,
  ) {}

  /** Healthy while polls succeed (a few missed polls are tolerated). */
  get healthy(): boolean {
    return Date.now() - this.lastSuccess < this.config.FANOUT_POLL_INTERVAL_MS * 10 + 10_000;
  }

  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.poll(), delayMs);
  }

  private async poll(): Promise<void> {
    let claimed = 0;
    try {
      const room = Math.min(CLAIM_BATCH, this.config.FANOUT_MAX_QUEUED - this.dispatcher.queuedCount);
      if (room > 0) {
        const due = await this.store.claimDue(room, this.config.FANOUT_LEASE_SECONDS, this.dispatcher.fullEndpoints(), {
          id: this.instance.id,
          deadAfterSeconds: this.config.FANOUT_INSTANCE_TIMEOUT_SECONDS,
        });
        claimed = due.length;
        this.dispatcher.enqueue(
          due.map((d) => ({
            deliveryId: d.id,
            endpointId: d.endpointId,
            attemptCount: d.attemptCount,
            event: d.event,
          })),
        );
      }
      // Ordered endpoints' lanes whose head came due (OrderedLanes attempts them in order).
      await this.lanes.poll();
      this.lastSuccess = Date.now();
    } catch (err) {
      this.logger.warn(`retry poll failed: ${(err as Error).message}`);
    }
    // A full claim means more is due: poll again at once.
    this.schedule(claimed >= CLAIM_BATCH ? 0 : this.config.FANOUT_POLL_INTERVAL_MS);
  }
}
