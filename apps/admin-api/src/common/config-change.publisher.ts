import { Injectable, Logger } from '@nestjs/common';
import { CONFIG_CHANGE_SCHEMA, ConfigChangeV1, ConfigEntity, Topics } from '@gateway/contracts';
import { MessageProducer } from '@gateway/messaging';

/**
 * Tells ingest and fan-out that a row changed, after the change is committed. They reload that row, so a change
 * takes effect within a second without them reading the database per event. If Kafka is down the change still
 * applies at their next periodic resync.
 */
@Injectable()
export class ConfigChangePublisher {
  private readonly logger = new Logger(ConfigChangePublisher.name);

  constructor(private readonly producer: MessageProducer) {}

  async changed(
    entity: ConfigEntity,
    id: string,
    tenantId: string,
    op: ConfigChangeV1['op'] = 'upserted',
  ): Promise<void> {
    const change: ConfigChangeV1 = {
      schema: CONFIG_CHANGE_SCHEMA,
      entity,
      id,
      tenantId,
      op,
      at: new Date().toISOString(),
    };
    try {
      await this.producer.send(Topics.configChanges, [{ key: id, value: JSON.stringify(change) }]);
    } catch (err) {
      this.logger.warn(
        `could not publish the ${entity} ${id} change (applies at the next resync): ${(err as Error).message}`,
      );
    }
  }
}
