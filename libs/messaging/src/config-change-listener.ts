import { Logger } from '@nestjs/common';
import { ConfigChangeV1, Topics, readConfigChange } from '@gateway/contracts';
import { BroadcastSubscriber } from './broadcast-subscriber';
import { KafkaConnection } from './kafka-connection';

/** Waits between tries of a change that could not be applied: doubling from the first, up to the last. */
const RETRY_FIRST_MS = 100;
const RETRY_MAX_MS = 2000;

/**
 * Delivers every validated ConfigChangeV1 to `apply`, on every instance, in the order they were published. A change
 * whose `apply` fails (the database unreachable) is tried again until it succeeds: the changes after it wait, and so
 * does `caughtUp`, so no one decides on a configuration older than what admin-api confirmed. Invalid records are
 * logged and skipped (they carry no data, only "reload this id", so nothing is lost by skipping them).
 */
export class ConfigChangeListener {
  private readonly logger = new Logger(ConfigChangeListener.name);
  private readonly subscriber: BroadcastSubscriber;

  constructor(connection: KafkaConnection, apply: (change: ConfigChangeV1) => Promise<void>) {
    this.subscriber = new BroadcastSubscriber(connection, Topics.configChanges, async (value, heartbeat) => {
      const change = readConfigChange(value);
      if (typeof change === 'string') {
        this.logger.warn(`skipped a config-change record: ${change}`);
        return;
      }
      for (let attempt = 1, wait = RETRY_FIRST_MS; ; attempt++, wait = Math.min(wait * 2, RETRY_MAX_MS)) {
        try {
          await apply(change);
          if (attempt > 1) this.logger.log(`applied the ${change.entity} ${change.id} change at try ${attempt}`);
          return;
        } catch (err) {
          if (!this.subscriber.running) throw err;
          const log = attempt === 1 ? 'error' : 'warn';
          this.logger[log](
            `could not apply the ${change.entity} ${change.id} change (try ${attempt}, again in ${wait} ms): ${(err as Error).message}`,
          );
        }
        await new Promise((resolve) => setTimeout(resolve, wait));
        await heartbeat().catch(() => undefined);
      }
    });
  }

  get healthy(): boolean {
    return this.subscriber.healthy;
  }

  start(): Promise<void> {
    return this.subscriber.start();
  }

  /** Resolves once every change published before the call is applied; NotCaughtUpError after `timeoutMs`. */
  caughtUp(timeoutMs: number): Promise<void> {
    return this.subscriber.caughtUp(timeoutMs);
  }

  stop(): Promise<void> {
    return this.subscriber.stop();
  }
}
