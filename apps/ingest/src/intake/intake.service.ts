import { Injectable, Logger } from '@nestjs/common';
import { CANONICAL_EVENT_SCHEMA, CanonicalEventV1 } from '@gateway/contracts';
import { ApiError, RateLimiter } from '@gateway/http';
import { SpanKind, inSpan, logsDebug } from '@gateway/observability';
import { IngestConfig } from '../ingest.config';
import { DigitaxAdapter } from '../providers/digitax.adapter';
import { KaynkoAdapter } from '../providers/kaynko.adapter';
import type { InboundRequest, ProviderAdapter } from '../providers/provider-adapter';
import { SourceActivity } from '../sources/source-activity';
import { SourceCache } from '../sources/source-cache';
import { eventIdFor } from './event-id';
import { EventPublisher } from './event-publisher';
import { IngestMetrics } from './ingest.metrics';

/**
 * The rules of the front door, in order: a known enabled source of that provider (404), within its rate (429),
 * JSON content (415), authentic (401), valid (400), durable in Kafka (503 otherwise) — and only then 202.
 */
@Injectable()
export class IntakeService {
  private readonly logger = new Logger(IntakeService.name);
  private readonly adapters: Map<string, ProviderAdapter>;
  private readonly limiter: RateLimiter;
  /** Whether the per-event debug line is written (its fields are not even built otherwise: one per request). */
  private readonly debug: boolean;

  constructor(
    private readonly sources: SourceCache,
    private readonly activity: SourceActivity,
    private readonly publisher: EventPublisher,
    private readonly metrics: IngestMetrics,
    config: IngestConfig,
    kaynko: KaynkoAdapter,
    digitax: DigitaxAdapter,
  ) {
    this.adapters = new Map<string, ProviderAdapter>([kaynko, digitax].map((adapter) => [adapter.provider, adapter]));
    this.limiter = new RateLimiter(config.INGEST_RATE_LIMIT_PER_SOURCE);
    this.debug = logsDebug(config);
  }

  accept(provider: string, sourceId: string, request: InboundRequest): Promise<{ id: string }> {
    const started = process.hrtime.bigint();
    const label = this.adapters.has(provider) ? provider : 'unknown';
    // The trace starts here (or continues the provider's traceparent) and travels with the event through Kafka.
    return inSpan(`ingest ${label}`, { kind: SpanKind.SERVER }, request.headers, async (span) => {
      try {
        const event = await this.acceptOrThrow(provider, sourceId, request);
        this.metrics.recordAccepted(label, event.type, started);
        span?.setAttributes({ 'gateway.event.id': event.id, 'gateway.event.type': event.type });
        if (this.debug)
          this.logger.debug({
            msg: `accepted ${event.type}`,
            eventId: event.id,
            tenantId: event.tenantId,
            sourceId: event.sourceId,
          });
        return { id: event.id };
      } catch (err) {
        const code = err instanceof ApiError ? err.code : 'internal_error';
        this.metrics.recordRejected(label, code);
        span?.setAttribute('gateway.rejected', code);
        throw err;
      }
    });
  }

  private async acceptOrThrow(provider: string, sourceId: string, request: InboundRequest): Promise<CanonicalEventV1> {
    const adapter = this.adapters.get(provider);
    // Decided under every configuration change admin-api confirmed before this request (one coalesced broker
    // round trip, no database read).
    const configMark = await this.sources.current().catch((err: Error) => {
      throw ApiError.configNotCurrent(err);
    });
    const source = this.sources.get(sourceId);
    if (!adapter || !source || source.provider !== provider || !source.enabled) throw ApiError.notFound('Source');

    const wait = this.limiter.take(sourceId);
    if (wait) throw ApiError.tooManyRequests(wait, 'Too many requests for this source.');

    const contentType = String(request.headers['content-type'] ?? '')
      .split(';')[0]!
      .trim()
      .toLowerCase();
    if (contentType !== 'application/json') {
      throw new ApiError(415, 'unsupported_media_type', 'Content-Type must be application/json.');
    }

    const proof = adapter.authenticate(source, request);
    const adapted = adapter.adapt(request);

    const event: CanonicalEventV1 = {
      schema: CANONICAL_EVENT_SCHEMA,
      id: eventIdFor(source.id, request.body),
      type: adapted.type,
      provider: adapter.provider,
      sourceId: source.id,
      tenantId: source.tenantId,
      receivedAt: new Date().toISOString(),
      occurredAt: adapted.occurredAt,
      data: adapted.data,
    };
    await this.publisher.publish(event, configMark);
    // Verified: the provider reached this source with its credentials (a signed or tokened event), or pinged it.
    this.activity.seenNow(source.id, proof !== 'none' || adapted.verifiesSource === true);
    return event;
  }
}
