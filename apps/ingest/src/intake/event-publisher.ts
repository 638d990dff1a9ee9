import { Inject, Injectable, Logger } from '@nestjs/common';
import { ClientProxy } from '@nestjs/microservices';
import { CanonicalEventV1, Topics } from '@gateway/contracts';
import { ApiError } from '@gateway/http';
import { ConfigMark, KAFKA_EVENT_CLIENT, acknowledged, canonicalEventRecord, withTimeout } from '@gateway/messaging';
import { IngestConfig } from '../ingest.config';

/** Writes accepted events to the events topic and returns only once Kafka acknowledged them (acks=all). */
@Injectable()
export class EventPublisher {
  private readonly logger = new Logger(EventPublisher.name);

  constructor(
    @Inject(KAFKA_EVENT_CLIENT) private readonly client: ClientProxy,
    private readonly config: IngestConfig,
  ) {}

  /** `configMark`: the configuration the event was decided under (SourceCache.current()), for fan-out. */
  async publish(event: CanonicalEventV1, configMark?: ConfigMark): Promise<void> {
    const timeoutMs = this.config.INGEST_KAFKA_ACK_TIMEOUT_MS;
    try {
      await withTimeout(
        acknowledged(this.client.emit(Topics.events, canonicalEventRecord(event, configMark))),
        timeoutMs,
        `no acknowledgement within ${timeoutMs} ms`,
      );
    } catch (err) {
      this.logger.warn({
        msg: `event not acknowledged by Kafka: ${(err as Error).message}`,
        eventId: event.id,
        tenantId: event.tenantId,
        sourceId: event.sourceId,
      });
      // The provider must record a failure, never a false success.
      throw ApiError.unavailable('The event could not be stored right now; nothing was accepted. Try again.', 5);
    }
  }
}
