import { Inject, Injectable, Logger } from '@nestjs/common';
import { ClientProxy } from '@nestjs/microservices';
import { CONFIG_CHANGE_SCHEMA, ConfigChangeV1, Topics } from '@gateway/contracts';
import { KAFKA_EVENT_CLIENT, acknowledged } from '@gateway/messaging';
import { EndpointCache } from '../endpoints/endpoint-cache';
import { FanoutEndpointsRepository } from '../endpoints/fanout-endpoints.repository';
import { OperationalEvents } from './operational-events';

/**
 * Disables an endpoint on the gateway's own initiative (410 Gone, or failing for days): in the database, in this
 * instance's cache at once, in every other instance through a config change, and tells the tenant with the
 * operational event `gateway.endpoint.disabled` (delivered like any other event to its subscribed endpoints).
 */
@Injectable()
export class EndpointDisabler {
  private readonly logger = new Logger(EndpointDisabler.name);

  constructor(
    private readonly repository: FanoutEndpointsRepository,
    private readonly cache: EndpointCache,
    @Inject(KAFKA_EVENT_CLIENT) private readonly kafka: ClientProxy,
    private readonly notices: OperationalEvents,
  ) {}

  async disable(endpointId: string, reason: string): Promise<void> {
    const endpoint = this.cache.get(endpointId);
    this.cache.markDisabled(endpointId);
    if (!(await this.repository.disable(endpointId, reason)) || !endpoint) return;
    this.logger.warn(`endpoint ${endpointId} disabled: ${reason}`);
    const at = new Date();
    const change: ConfigChangeV1 = {
      schema: CONFIG_CHANGE_SCHEMA,
      entity: 'endpoint',
      id: endpointId,
      tenantId: endpoint.tenantId,
      op: 'upserted',
      at: at.toISOString(),
    };
    try {
      await acknowledged(this.kafka.emit(Topics.configChanges, { key: endpointId, value: JSON.stringify(change) }));
    } catch (err) {
      this.logger.error(
        `endpoint ${endpointId} is disabled, but the change could not be published: ${(err as Error).message}`,
      );
    }
    await this.notices.endpointDisabled(endpointId, reason, at);
  }
}
