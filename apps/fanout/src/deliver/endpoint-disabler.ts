import { Injectable, Logger } from '@nestjs/common';
import { createHash } from 'node:crypto';
import {
  CANONICAL_EVENT_SCHEMA,
  CONFIG_CHANGE_SCHEMA,
  CanonicalEventV1,
  ConfigChangeV1,
  GatewayEndpointDisabledData,
  Headers,
  IdPrefix,
  Topics,
} from '@gateway/contracts';
import { MessageProducer } from '@gateway/messaging';
import { EndpointCache } from '../endpoints/endpoint-cache';
import { FanoutEndpointsRepository } from '../endpoints/fanout-endpoints.repository';

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
    private readonly producer: MessageProducer,
  ) {}

  async disable(endpointId: string, reason: string): Promise<void> {
    const endpoint = this.cache.get(endpointId);
    this.cache.markDisabled(endpointId);
    if (!(await this.repository.disable(endpointId, reason)) || !endpoint) return;
    this.logger.warn(`endpoint ${endpointId} disabled: ${reason}`);
    const at = new Date().toISOString();
    const data: GatewayEndpointDisabledData = { endpointId, url: endpoint.url, reason, disabledAt: at };
    const event: CanonicalEventV1 = {
      schema: CANONICAL_EVENT_SCHEMA,
      id: `${IdPrefix.event}_${createHash('sha256').update(`gateway\n${endpointId}\n${at}`).digest('hex').slice(0, 32)}`,
      type: 'gateway.endpoint.disabled',
      provider: 'gateway',
      sourceId: endpointId,
      tenantId: endpoint.tenantId,
      receivedAt: at,
      occurredAt: at,
      data: { ...data },
    };
    const change: ConfigChangeV1 = {
      schema: CONFIG_CHANGE_SCHEMA,
      entity: 'endpoint',
      id: endpointId,
      tenantId: endpoint.tenantId,
      op: 'upserted',
      at,
    };
    try {
      await this.producer.send(Topics.configChanges, [{ key: endpointId, value: JSON.stringify(change) }]);
      await this.producer.send(Topics.events, [
        {
          key: endpointId,
          value: JSON.stringify(event),
          headers: { [Headers.schema]: CANONICAL_EVENT_SCHEMA, [Headers.eventType]: event.type },
        },
      ]);
    } catch (err) {
      this.logger.error(
        `endpoint ${endpointId} is disabled, but the notification could not be published: ${(err as Error).message}`,
      );
    }
  }
}
