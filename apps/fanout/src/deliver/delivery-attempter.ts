import { Injectable, Logger } from '@nestjs/common';
import type { CanonicalEventV1 } from '@gateway/contracts';
import { IdPrefix } from '@gateway/contracts';
import { newId } from '@gateway/security';
import { EndpointCache } from '../endpoints/endpoint-cache';
import { FanoutEndpointsRepository } from '../endpoints/fanout-endpoints.repository';
import { FanoutConfig } from '../fanout.config';
import { AttemptOutcome } from '../store/delivery-store';
import { OutcomeWriter } from '../store/outcome-writer';
import { DeadLetterPublisher } from './dead-letter.publisher';
import { HttpSender, SendResult } from './http-sender';
import { renderRequest } from './render';
import { parseRetrySchedule, retryDelay } from './retry-schedule';

export interface DeliveryWork {
  deliveryId: string;
  endpointId: string;
  /** Attempts made before this one. */
  attemptCount: number;
  event: CanonicalEventV1;
}

/** One attempt of one delivery, and the rules for what happens next: done, retry later, or give up. */
@Injectable()
export class DeliveryAttempter {
  private readonly logger = new Logger(DeliveryAttempter.name);
  private readonly schedule: number[];

  constructor(
    private readonly endpoints: EndpointCache,
    private readonly endpointsRepository: FanoutEndpointsRepository,
    private readonly sender: HttpSender,
    private readonly outcomes: OutcomeWriter,
    private readonly deadLetters: DeadLetterPublisher,
    config: FanoutConfig,
  ) {
    this.schedule = parseRetrySchedule(config.GATEWAY_RETRY_SCHEDULE);
  }

  async attempt(work: DeliveryWork): Promise<void> {
    const number = work.attemptCount + 1;
    const startedAt = new Date();
    const endpoint = this.endpoints.get(work.endpointId);
    let result: SendResult;
    if (!endpoint || !endpoint.enabled) {
      result = {
        statusCode: null,
        body: null,
        headers: {},
        durationMs: 0,
        firstByteMs: null,
        errorClass: 'endpoint_disabled',
        errorMessage: 'the endpoint is disabled or deleted',
      };
    } else {
      const rendered = renderRequest(work.event, endpoint, this.endpoints.signingSecrets(endpoint));
      result = await this.sender.send({
        url: endpoint.url,
        headers: rendered.headers,
        body: rendered.body,
        timeoutMs: endpoint.timeoutMs,
      });
    }

    const succeeded = result.errorClass === null;
    const gone = result.statusCode === 410;
    const delay =
      succeeded || gone || result.errorClass === 'endpoint_disabled' ? null : retryDelay(this.schedule, number);
    const status = succeeded ? 'succeeded' : delay === null ? 'failed' : 'retrying';
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
        status,
        attemptCount: number,
        nextAttemptAt: delay === null ? null : new Date(Date.now() + delay),
        lastStatusCode: result.statusCode,
        lastError: result.errorMessage,
        completed: status === 'succeeded' || status === 'failed',
      },
    };
    this.outcomes.record(outcome);

    if (gone) await this.disableGoneEndpoint(work.endpointId);
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
        .catch((err: Error) => this.logger.error(`could not dead-letter ${work.deliveryId}: ${err.message}`));
    }
  }

  private async disableGoneEndpoint(endpointId: string): Promise<void> {
    this.endpoints.markDisabled(endpointId);
    try {
      if (await this.endpointsRepository.disable(endpointId, 'the endpoint answered 410 Gone')) {
        this.logger.warn(`endpoint ${endpointId} answered 410 Gone and was disabled`);
      }
    } catch (err) {
      this.logger.error(`could not disable endpoint ${endpointId}: ${(err as Error).message}`);
    }
  }
}
