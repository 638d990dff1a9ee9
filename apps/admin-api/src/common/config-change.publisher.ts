import { Inject, Injectable, Logger } from '@nestjs/common';
import { ClientProxy } from '@nestjs/microservices';
import { CONFIG_CHANGE_SCHEMA, ConfigChangeV1, ConfigEntity, Topics } from '@gateway/contracts';
import { ApiError } from '@gateway/http';
import { KAFKA_EVENT_CLIENT, acknowledged } from '@gateway/messaging';

/**
 * Tells ingest, fan-out and the Qerko bridge that a row changed, after the change is committed, and returns only once
 * the broker has the record: they decide every request that arrives after that under the change (each waits until it
 * has applied every change on the topic before deciding), so a 2xx from admin-api means "in force everywhere, now".
 */
@Injectable()
export class ConfigChangePublisher {
  private readonly logger = new Logger(ConfigChangePublisher.name);

  constructor(@Inject(KAFKA_EVENT_CLIENT) private readonly kafka: ClientProxy) {}

  /**
   * Publishes the change; if Kafka does not take it, throws a 503 saying the change is saved but not yet in force
   * (the services' periodic full reload applies it), rather than a 2xx the guarantee would not hold for.
   */
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
      await acknowledged(this.kafka.emit(Topics.configChanges, { key: id, value: JSON.stringify(change) }));
    } catch (err) {
      this.logger.warn(`could not publish the ${entity} ${id} change: ${(err as Error).message}`);
      throw new ApiError(
        503,
        'change_not_propagated',
        `The ${entity} change is saved, but the gateway's services could not be told of it (Kafka unavailable): it ` +
          'takes effect at their next periodic reload, within a minute. Read it back before repeating the request.',
        undefined,
        { 'retry-after': '5' },
      );
    }
  }
}
