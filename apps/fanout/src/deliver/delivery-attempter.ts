import { Injectable, Logger } from '@nestjs/common';
import type { CanonicalEventV1 } from '@gateway/contracts';
import { IdPrefix, parseRetrySchedule } from '@gateway/contracts';
import { DeadLetterPublisher } from '@gateway/messaging';
import { Span, SpanKind, SpanStatusCode, inSpan, logsDebug, traceHeaders } from '@gateway/observability';
import { newId } from '@gateway/security';
import { EndpointCache } from '../endpoints/endpoint-cache';
import { FanoutConfig } from '../fanout.config';
import type { DeliveryStatus } from '@gateway/persistence';
import { AttemptOutcome } from '../store/delivery-store';
import { OutcomeWriter } from '../store/outcome-writer';
import { UnsavedDelivery, isUnsaved, rowOf } from '../store/unsaved-delivery';
import { EndpointDisabler } from './endpoint-disabler';
import { OperationalEvents } from './operational-events';
import { AttemptSignal, EndpointHealthRegistry } from './endpoint-health';
import { FanoutMetrics } from './fanout.metrics';
import { QerkoReplyForwarder } from './qerko-reply.forwarder';
import { HttpSender, SendResult, renderRequest } from '@gateway/delivery';
import { retryDelay } from './retry-schedule';

export interface DeliveryWork {
  deliveryId: string;
  endpointId: string;
  /** Attempts made before this one. */
  attemptCount: number;
  event: CanonicalEventV1;
  /** The trace context of the ingest request (first attempts from Kafka; retries start a trace of their own). */
  trace?: Record<string, string>;
  /** A first attempt from Kafka whose row may not exist yet (see UnsavedDelivery). */
  unsaved?: UnsavedDelivery;
  /** The run of an ordered endpoint's lane this delivery is part of (see OrderedLanes). */
  lane?: LaneRun;
}

/** What goes on after a delivery of an ordered lane: the next one of its run, or none (the run ends). */
export interface LaneRun {
  after(status: DeliveryStatus | null): DeliveryWork | null;
}

const OVERLOAD = new Set(['timeout', 'connect_timeout']);

/** One attempt of one delivery, and the rules for what happens next: done, retry later, or give up. */
@Injectable()
export class DeliveryAttempter {
  private readonly logger = new Logger(DeliveryAttempter.name);
  /** GATEWAY_RETRY_SCHEDULE, for endpoints without a retrySchedule of their own. */
  private readonly schedule: number[];
  /** Whether the per-attempt debug line is written (its fields are not even built otherwise: one per delivery). */
  private readonly debug: boolean;

  constructor(
    private readonly endpoints: EndpointCache,
    private readonly health: EndpointHealthRegistry,
    private readonly sender: HttpSender,
    private readonly outcomes: OutcomeWriter,
    private readonly deadLetters: DeadLetterPublisher,
    private readonly disabler: EndpointDisabler,
    private readonly notices: OperationalEvents,
    private readonly metrics: FanoutMetrics,
    private readonly qerko: QerkoReplyForwarder,
    private readonly config: FanoutConfig,
  ) {
    this.schedule = parseRetrySchedule(config.GATEWAY_RETRY_SCHEDULE);
    this.debug = logsDebug(config);
  }

  /** One attempt, in its own span (a child of the ingest request's); resolves to the delivery's status after it. */
  attempt(work: DeliveryWork): Promise<DeliveryStatus> {
    return inSpan(`deliver ${work.event.type}`, { kind: SpanKind.CLIENT }, work.trace, (span) =>
      this.attemptNow(work, span),
    );
  }

  private async attemptNow(work: DeliveryWork, span: Span | null): Promise<DeliveryStatus> {
    const endpoint = this.endpoints.get(work.endpointId);
    if (!endpoint || !endpoint.enabled) {
      this.record(work, this.withoutRequest(work, 'failed', null, 'the endpoint is disabled or deleted'));
      this.metrics.recordAttempt('failed', 'endpoint_disabled', null);
      return 'failed';
    }
    const health = this.health.get(work.endpointId);
    const admission = health.admit();
    if (!admission.allowed) {
      // Skipped, not dropped: the delivery waits in the retry queue until the circuit lets a probe through.
      const status = work.attemptCount ? 'retrying' : 'pending';
      this.record(
        work,
        this.withoutRequest(
          work,
          status,
          new Date(admission.retryAt),
          'circuit open: attempts paused after repeated failures',
        ),
      );
      return status;
    }

    const number = work.attemptCount + 1;
    const startedAt = new Date();
    const rendered = renderRequest(work.event, endpoint, this.endpoints.signingSecrets(endpoint));
    span?.setAttributes({
      'gateway.event.id': work.event.id,
      'gateway.delivery.id': work.deliveryId,
      'gateway.endpoint.id': work.endpointId,
      'gateway.delivery.attempt': number,
      'http.request.method': 'POST',
    });
    const result = await this.sender.send({
      url: endpoint.url,
      // With tracing on, the subscriber receives the traceparent of this attempt and can continue the trace.
      headers: span ? { ...rendered.headers, ...traceHeaders() } : rendered.headers,
      body: rendered.body,
      timeoutMs: endpoint.timeoutMs,
    });
    health.record(signalOf(result), admission.probe, Date.now(), result.durationMs);

    const succeeded = result.errorClass === null;
    const gone = result.statusCode === 410;
    const delay = succeeded || gone ? null : this.nextDelay(result, number, endpoint.retrySchedule ?? this.schedule);
    const status = succeeded ? 'succeeded' : delay === null ? 'failed' : 'retrying';
    span?.setAttributes({ 'gateway.delivery.status': status, 'http.response.status_code': result.statusCode ?? 0 });
    if (!succeeded)
      span?.setStatus({ code: SpanStatusCode.ERROR, message: result.errorMessage ?? result.errorClass ?? 'failed' });
    if (this.debug)
      this.logger.debug({
        msg: `attempt ${number}: ${status}${result.statusCode ? ` (${result.statusCode})` : ''}`,
        ...idsOf(work),
      });
    const outcome: AttemptOutcome = {
      attempt: {
        id: newId(IdPrefix.attempt),
        deliveryId: work.deliveryId,
        endpointId: work.endpointId,
        number,
        startedAt,
        durationMs: result.durationMs,
        statusCode: result.statusCode,
        errorClass: result.errorClass,
        errorMessage: result.errorMessage,
        responseBody: result.body,
        timings: result.firstByteMs === null ? null : { firstByteMs: result.firstByteMs },
      },
      delivery: {
        id: work.deliveryId,
        eventReceivedAt: new Date(work.event.receivedAt),
        status,
        attemptCount: number,
        nextAttemptAt: delay === null ? null : new Date(Date.now() + delay),
        lastStatusCode: result.statusCode,
        lastError: result.errorMessage,
        completed: status === 'succeeded' || status === 'failed',
      },
    };
    this.record(work, outcome);
    this.metrics.recordAttempt(status, result.errorClass, result.durationMs);
    if (succeeded) await this.qerko.forward(work.event, result.statusCode, result.body);

    if (gone) await this.disabler.disable(work.endpointId, 'the endpoint answered 410 Gone');
    // (Not for deliveries of operational events: two failing endpoints would tell each other forever.)
    if (status === 'failed' && !gone && work.event.provider !== 'gateway') {
      await this.notices.deliveryExhausted({
        deliveryId: work.deliveryId,
        eventId: work.event.id,
        eventType: work.event.type,
        endpointId: work.endpointId,
        attempts: number,
        statusCode: result.statusCode,
        errorClass: result.errorClass ?? 'failed',
        errorMessage: result.errorMessage,
        failedAt: new Date().toISOString(),
      });
    }
    if (status === 'failed') {
      await this.deadLetters
        .publish({
          reason: gone
            ? 'endpoint answered 410 Gone'
            : `gave up after ${number} attempts: ${result.errorMessage ?? 'failed'}`,
          eventId: work.event.id,
          endpointId: work.endpointId,
          deliveryId: work.deliveryId,
        })
        .catch((err: Error) => this.logger.error({ msg: `could not dead-letter: ${err.message}`, ...idsOf(work) }));
    }
    return status;
  }

  /**
   * Hands the outcome to the writer; a first attempt whose row does not exist yet creates it with this outcome. One
   * whose pending row is written (or queued to be) updates it, and tells the writer what the row is made of, for the
   * crash journal: that pending row may never have been committed.
   */
  private record(work: DeliveryWork, outcome: AttemptOutcome): void {
    if (!work.unsaved) return this.outcomes.record(outcome);
    if (!isUnsaved(work.unsaved)) return this.outcomes.record(outcome, undefined, rowOf(work.unsaved));
    work.unsaved.saved = true;
    outcome.delivery.insert = rowOf(work.unsaved);
    this.outcomes.record(outcome, work.unsaved);
  }

  /**
   * The endpoint's schedule's next delay, or the receiver's own Retry-After on 429/503 (clamped); null when out of
   * attempts.
   */
  private nextDelay(result: SendResult, attemptsMade: number, schedule: readonly number[]): number | null {
    const scheduled = retryDelay(schedule, attemptsMade);
    if (scheduled === null) return null;
    if (result.statusCode === 429 || result.statusCode === 503) {
      const asked = retryAfterMs(result.headers['retry-after']);
      if (asked !== null) return Math.min(Math.max(asked, 1000), this.config.FANOUT_MAX_RETRY_AFTER_SECONDS * 1000);
    }
    return scheduled;
  }

  private withoutRequest(
    work: DeliveryWork,
    status: AttemptOutcome['delivery']['status'],
    nextAttemptAt: Date | null,
    reason: string,
  ): AttemptOutcome {
    return {
      attempt: null,
      delivery: {
        id: work.deliveryId,
        eventReceivedAt: new Date(work.event.receivedAt),
        status,
        attemptCount: work.attemptCount,
        nextAttemptAt,
        lastStatusCode: null,
        lastError: reason,
        completed: status === 'failed',
      },
    };
  }
}

/** The ids a delivery's log lines carry (explicitly: see libs/observability/src/log-context.ts). */
function idsOf(work: DeliveryWork) {
  return {
    eventId: work.event.id,
    tenantId: work.event.tenantId,
    endpointId: work.endpointId,
    deliveryId: work.deliveryId,
  };
}

function signalOf(result: SendResult): AttemptSignal {
  if (result.errorClass === null) return 'success';
  if (result.statusCode === 429 || result.statusCode === 503 || OVERLOAD.has(result.errorClass)) return 'overload';
  return 'failure';
}

/** `Retry-After` as seconds or an HTTP date, in ms from now; null when absent or unreadable. */
export function retryAfterMs(header: string | undefined, now = Date.now()): number | null {
  if (!header) return null;
  const text = header.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const date = Date.parse(text);
  return Number.isNaN(date) ? null : Math.max(0, date - now);
}
