import { Inject, Injectable, Logger } from '@nestjs/common';
import { ClientProxy } from '@nestjs/microservices';
import {
  CANONICAL_EVENT_SCHEMA,
  CanonicalEventV1,
  derivedEventId,
  QERKO_PAYMENT_CRITICAL,
  QerkoMethod,
  Topics,
} from '@gateway/contracts';
import { HttpSender } from '@gateway/delivery';
import { KAFKA_EVENT_CLIENT, acknowledged, canonicalEventRecord } from '@gateway/messaging';
import { QerkoBridgeConfig } from '../qerko-bridge.config';
import { QerkoRequestsRepository } from '../requests/qerko-requests.repository';
import { QerkoSourceCache } from '../sources/qerko-source-cache';
import { responseFrame } from '../webhook/qerko-frame';

/** What Qerko's error statuses mean (its published conventions); these are not retried. */
const QERKO_REFUSALS: Record<number, string> = {
  400: 'Qerko refused the reply: the body did not match its schema (400)',
  401: 'Qerko refused the reply: wrong API key (401)',
  403: 'Qerko refused the reply: the API key lacks the scope (403)',
};

/**
 * Posts answers that came after the webhook's sync window to `{apiBaseUrl}/reply` (Bearer API key, Pos-Id), retrying
 * 5xx and timeouts with short backoff until the request's deadline; and ends requests past their deadline, telling
 * the tenant when a payment request went unanswered (Qerko cancels such payments).
 */
@Injectable()
export class ReplyWorker {
  private readonly logger = new Logger(ReplyWorker.name);
  private timer?: NodeJS.Timeout;
  private stopped = true;
  private busy: Promise<void> = Promise.resolve();

  constructor(
    private readonly requests: QerkoRequestsRepository,
    private readonly sources: QerkoSourceCache,
    private readonly sender: HttpSender,
    @Inject(KAFKA_EVENT_CLIENT) private readonly kafka: ClientProxy,
    private readonly config: QerkoBridgeConfig,
  ) {}

  start(): void {
    this.stopped = false;
    this.schedule();
  }

  /** Stops claiming work and waits for the posts in progress (their outcomes are recorded). */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.busy;
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.busy = this.tick();
    }, this.config.QERKO_REPLY_POLL_MS);
  }

  private async tick(): Promise<void> {
    try {
      const due = await this.requests.claimForReply(20, this.config.QERKO_REPLY_TIMEOUT_MS + 2000);
      await Promise.all(due.map((row) => this.reply(row.id, row.source_id, row.uuid, row.answer ?? {})));
      for (const ended of await this.requests.expire()) {
        if (QERKO_PAYMENT_CRITICAL.includes(ended.method as QerkoMethod))
          await this.paymentUnanswered(ended.id, ended.tenant_id, ended.uuid, ended.method, ended.reason);
      }
    } catch (err) {
      this.logger.warn(`reply tick failed: ${(err as Error).message}`);
    }
    this.schedule();
  }

  private async reply(id: string, sourceId: string, uuid: string, answer: Record<string, unknown>): Promise<void> {
    const source = this.sources.get(sourceId);
    if (!source) {
      await this.requests.finish(id, 'failed', null, 'the Qerko source was deleted');
      return;
    }
    if (!(await this.requests.replyStarting(id))) return; // another instance has it, or its post is in doubt
    const result = await this.sender.send({
      url: `${source.apiBaseUrl.replace(/\/+$/, '')}/reply`,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${source.apiKey}`, 'pos-id': source.posId },
      body: JSON.stringify(responseFrame(uuid, answer)),
      timeoutMs: this.config.QERKO_REPLY_TIMEOUT_MS,
    });
    const status = result.statusCode;
    if (status !== null && status >= 200 && status < 300)
      await this.requests.finish(id, 'answered_async', status, `Qerko answered ${status}`);
    else if (status !== null && QERKO_REFUSALS[status])
      await this.requests.finish(id, 'failed', status, QERKO_REFUSALS[status]);
    else await this.requests.replyRetryable(id, status, result.errorMessage ?? `Qerko answered ${status}`);
  }

  private async paymentUnanswered(
    requestId: string,
    tenantId: string,
    uuid: string,
    method: string,
    reason: string,
  ): Promise<void> {
    const now = new Date().toISOString();
    const event: CanonicalEventV1 = {
      schema: CANONICAL_EVENT_SCHEMA,
      id: derivedEventId('qerko-unanswered', requestId),
      type: 'gateway.qerko.payment_unanswered',
      provider: 'gateway',
      sourceId: requestId,
      tenantId,
      receivedAt: now,
      occurredAt: now,
      data: { requestId, uuid, method, reason },
    };
    this.logger.warn(`Qerko ${method} ${uuid} went unanswered (${reason}): Qerko cancels the payment`);
    await acknowledged(this.kafka.emit(Topics.events, canonicalEventRecord(event))).catch((err: Error) =>
      this.logger.error(`could not publish the payment_unanswered event: ${err.message}`),
    );
  }
}
