import { Inject, Injectable, Logger } from '@nestjs/common';
import { ClientProxy } from '@nestjs/microservices';
import {
  CANONICAL_EVENT_SCHEMA,
  CanonicalEventV1,
  derivedEventId,
  GatewayDeliveryExhaustedData,
  GatewayEndpointDisabledData,
  GatewayEndpointFailingData,
  GatewayEndpointRecoveredData,
  Topics,
} from '@gateway/contracts';
import { KAFKA_EVENT_CLIENT, acknowledged, canonicalEventRecord } from '@gateway/messaging';
import { EndpointCache } from '../endpoints/endpoint-cache';
import type { EndpointHealthTurn } from '../store/delivery-store';

/**
 * The operational events fan-out publishes about a tenant's endpoints (`gateway.endpoint.disabled`, `.failing`,
 * `.recovered`, `gateway.delivery.exhausted`): onto the events topic, as ingest publishes a provider's, so they are
 * stored, matched, signed and retried like any event, and never delivered to the endpoint they are about
 * (`EndpointCache.receives`). Each id is derived from what the notice is about, so one published twice is delivered
 * once. A notice that cannot be published is logged, not retried: the state it reports is in the API.
 */
@Injectable()
export class OperationalEvents {
  private readonly logger = new Logger(OperationalEvents.name);

  constructor(
    private readonly endpoints: EndpointCache,
    @Inject(KAFKA_EVENT_CLIENT) private readonly kafka: ClientProxy,
  ) {}

  endpointDisabled(endpointId: string, reason: string, at: Date): Promise<void> {
    return this.publish('gateway.endpoint.disabled', endpointId, at, (target) => {
      const data: GatewayEndpointDisabledData = { ...target, reason, disabledAt: at.toISOString() };
      return data;
    });
  }

  /** `gateway.endpoint.failing` or `.recovered`, for an endpoint that started or stopped failing. */
  healthTurned({ endpointId, failing, failingSince, attempt }: EndpointHealthTurn): Promise<void> {
    if (failing) {
      return this.publish('gateway.endpoint.failing', endpointId, failingSince, (target) => {
        const data: GatewayEndpointFailingData = {
          ...target,
          failingSince: failingSince.toISOString(),
          statusCode: attempt.statusCode,
          errorClass: attempt.errorClass ?? 'failed',
          errorMessage: attempt.errorMessage,
        };
        return data;
      });
    }
    return this.publish('gateway.endpoint.recovered', endpointId, attempt.startedAt, (target) => {
      const data: GatewayEndpointRecoveredData = {
        ...target,
        failingSince: failingSince.toISOString(),
        recoveredAt: attempt.startedAt.toISOString(),
      };
      return data;
    });
  }

  deliveryExhausted(data: Omit<GatewayDeliveryExhaustedData, 'url'>): Promise<void> {
    const at = new Date(data.failedAt);
    return this.publish(
      'gateway.delivery.exhausted',
      data.endpointId,
      at,
      (target) => ({ ...data, ...target }),
      data.deliveryId,
    );
  }

  private async publish(
    type: string,
    endpointId: string,
    at: Date,
    data: (target: { endpointId: string; url: string }) => object,
    about = endpointId,
  ): Promise<void> {
    const endpoint = this.endpoints.get(endpointId);
    // Deleted meanwhile: nobody is left to tell.
    if (!endpoint) return;
    const instant = at.toISOString();
    const event: CanonicalEventV1 = {
      schema: CANONICAL_EVENT_SCHEMA,
      id: derivedEventId(type, about, instant),
      type,
      provider: 'gateway',
      sourceId: endpointId,
      tenantId: endpoint.tenantId,
      receivedAt: new Date().toISOString(),
      occurredAt: instant,
      data: { ...data({ endpointId, url: endpoint.url }) },
    };
    try {
      await acknowledged(this.kafka.emit(Topics.events, canonicalEventRecord(event)));
    } catch (err) {
      this.logger.error(`${type} about ${about} could not be published: ${(err as Error).message}`);
    }
  }
}
