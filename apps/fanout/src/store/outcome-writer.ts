import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { EndpointDisabler } from '../deliver/endpoint-disabler';
import { FanoutConfig } from '../fanout.config';
import { AttemptOutcome, DeliveryStore } from './delivery-store';

const FLUSH_EVERY_MS = 50;
const FLUSH_AT = 500;
const MAX_BUFFERED = 50_000;

/**
 * Batches attempt-log rows and delivery updates: one transaction per 50 ms (or 500 outcomes).
 * If Postgres is briefly unavailable, outcomes wait here; if one is ever lost, the delivery's lease expires and it
 * is attempted again (a duplicate, never a loss).
 */
@Injectable()
export class OutcomeWriter implements OnModuleInit {
  private readonly logger = new Logger(OutcomeWriter.name);
  private buffer: AttemptOutcome[] = [];
  private flushing: Promise<void> | null = null;
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly store: DeliveryStore,
    private readonly disabler: EndpointDisabler,
    private readonly config: FanoutConfig,
  ) {}

  onModuleInit(): void {
    this.timer = setInterval(() => void this.flush(), FLUSH_EVERY_MS);
    this.timer.unref();
  }

  record(outcome: AttemptOutcome): void {
    this.buffer.push(outcome);
    if (this.buffer.length >= FLUSH_AT) void this.flush();
  }

  /** Writes everything buffered so far (at shutdown). */
  async flushAll(): Promise<void> {
    clearInterval(this.timer);
    for (let i = 0; i < 20 && (this.buffer.length || this.flushing); i++) {
      await (this.flushing ?? this.flush());
    }
  }

  private flush(): Promise<void> {
    if (this.flushing || !this.buffer.length) return this.flushing ?? Promise.resolve();
    const batch = this.buffer;
    this.buffer = [];
    const cutoff = new Date(Date.now() - this.config.FANOUT_DISABLE_AFTER_FAILING_HOURS * 3600_000);
    this.flushing = this.store
      .recordOutcomes(batch, cutoff)
      .then(async (failingTooLong) => {
        for (const endpointId of failingTooLong) {
          await this.disabler.disable(
            endpointId,
            `every attempt failed for ${this.config.FANOUT_DISABLE_AFTER_FAILING_HOURS} hours`,
          );
        }
      })
      .catch((err: Error) => {
        this.logger.warn(`could not write ${batch.length} delivery outcomes, will retry: ${err.message}`);
        this.buffer = [...batch, ...this.buffer].slice(-MAX_BUFFERED);
      })
      .finally(() => (this.flushing = null));
    return this.flushing;
  }
}
