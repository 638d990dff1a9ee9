import { Logger } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { ConfigChangeV1, ConfigChangeV1Message, Topics } from '@gateway/contracts';
import { BroadcastSubscriber } from './broadcast-subscriber';
import { KafkaConnection } from './kafka-connection';

/**
 * Delivers every validated ConfigChangeV1 to `apply`, on every instance. Invalid records are logged and skipped
 * (they carry no data, only "reload this id", so nothing is lost by skipping them).
 */
export class ConfigChangeListener {
  private readonly logger = new Logger(ConfigChangeListener.name);
  private readonly subscriber: BroadcastSubscriber;

  constructor(connection: KafkaConnection, apply: (change: ConfigChangeV1) => Promise<void>) {
    this.subscriber = new BroadcastSubscriber(connection, Topics.configChanges, async (value) => {
      const change = parseConfigChange(value);
      if (!change) {
        this.logger.warn('skipped an invalid config-change record');
        return;
      }
      try {
        await apply(change);
      } catch (err) {
        this.logger.error(`could not apply the ${change.entity} ${change.id} change: ${(err as Error).message}`);
      }
    });
  }

  get healthy(): boolean {
    return this.subscriber.healthy;
  }

  start(): Promise<void> {
    return this.subscriber.start();
  }

  stop(): Promise<void> {
    return this.subscriber.stop();
  }
}

export function parseConfigChange(value: Buffer | null): ConfigChangeV1 | null {
  try {
    const parsed: unknown = JSON.parse(value?.toString('utf8') ?? '');
    if (typeof parsed !== 'object' || parsed === null) return null;
    const message = plainToInstance(ConfigChangeV1Message, parsed);
    return validateSync(message).length ? null : message;
  } catch {
    return null;
  }
}
