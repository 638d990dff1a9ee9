import { Inject, Injectable } from '@nestjs/common';
import { ClientProxy } from '@nestjs/microservices';
import {
  CANONICAL_EVENT_SCHEMA,
  CanonicalEventV1,
  derivedEventId,
  IdPrefix,
  QerkoReplyV1,
  Topics,
} from '@gateway/contracts';
import { ApiError } from '@gateway/http';
import { KAFKA_EVENT_CLIENT, acknowledged, canonicalEventRecord } from '@gateway/messaging';
import { SpanKind, addLogFields, inSpan } from '@gateway/observability';
import { constantTimeEqual, newId } from '@gateway/security';
import { QerkoBridgeConfig } from '../qerko-bridge.config';
import { AnswerSignals } from '../requests/answer-signals';
import { QerkoRequestsRepository } from '../requests/qerko-requests.repository';
import { QerkoSourceCache } from '../sources/qerko-source-cache';
import { checkTiming, parseQerkoRequest, responseFrame, verifyQerkoSignature } from './qerko-frame';

export interface WebhookAnswer {
  status: 200 | 202;
  body: Record<string, unknown>;
}

/**
 * A Qerko request: authenticate, validate, record, publish `qerko.<method>` to the POS's endpoints, then wait for
 * the answer up to the method's sync budget. Answered in time → 200 with the response frame; otherwise 202 and the
 * answer goes to Qerko's /reply later (ReplyWorker). The state machine decides which, exactly once.
 */
@Injectable()
export class WebhookService {
  constructor(
    private readonly sources: QerkoSourceCache,
    private readonly requests: QerkoRequestsRepository,
    private readonly signals: AnswerSignals,
    @Inject(KAFKA_EVENT_CLIENT) private readonly kafka: ClientProxy,
    private readonly config: QerkoBridgeConfig,
  ) {}

  /** The request in a server span of its own (continuing Qerko's traceparent, if it sends one). */
  handle(
    sourceId: string,
    headers: Record<string, string | string[] | undefined>,
    query: Record<string, unknown>,
    readBody: () => Promise<Buffer>,
  ): Promise<WebhookAnswer> {
    return inSpan('qerko webhook', { kind: SpanKind.SERVER }, headers, () =>
      this.handleNow(sourceId, headers, query, readBody),
    );
  }

  private async handleNow(
    sourceId: string,
    headers: Record<string, string | string[] | undefined>,
    query: Record<string, unknown>,
    readBody: () => Promise<Buffer>,
  ): Promise<WebhookAnswer> {
    // Decided under every configuration change admin-api confirmed before this request (no database read).
    const configMark = await this.sources.current().catch((err: Error) => {
      throw ApiError.configNotCurrent(err);
    });
    const source = this.sources.get(sourceId);
    if (!source || !source.enabled) throw ApiError.notFound('Source');
    addLogFields({ tenantId: source.tenantId, sourceId: source.id });
    const body = await readBody();
    const signature = headers['signature-sha256'];
    if (typeof signature === 'string') {
      if (!verifyQerkoSignature(source.apiKey, body, signature))
        throw new ApiError(401, 'invalid_signature', 'Invalid Signature-SHA256.');
    } else {
      const token = query['token'];
      if (!source.token || typeof token !== 'string' || !constantTimeEqual(token, source.token)) {
        throw new ApiError(401, 'unauthorized', 'Missing Signature-SHA256 (or a valid token).');
      }
    }
    const contentType = String(headers['content-type'] ?? '')
      .split(';')[0]!
      .trim()
      .toLowerCase();
    if (contentType !== 'application/json')
      throw new ApiError(415, 'unsupported_media_type', 'Content-Type must be application/json.');
    const frame = parseQerkoRequest(body);
    checkTiming(frame);

    const requestId = newId(IdPrefix.qerkoRequest);
    const eventId = derivedEventId(source.id, frame.uuid);
    addLogFields({ qerkoRequestId: requestId, eventId });
    const created = await this.requests.create({
      id: requestId,
      tenantId: source.tenantId,
      sourceId: source.id,
      uuid: frame.uuid,
      method: frame.method,
      args: frame.args,
      eventId,
      staleAfterMs: this.config.QERKO_STALE_AFTER_MS,
    });
    if (!created)
      throw ApiError.conflict('duplicate_request', `Request ${frame.uuid} was already received from this source.`);

    const now = new Date().toISOString();
    const event: CanonicalEventV1 = {
      schema: CANONICAL_EVENT_SCHEMA,
      id: eventId,
      type: `qerko.${frame.method}`,
      provider: 'qerko',
      sourceId: source.id,
      tenantId: source.tenantId,
      receivedAt: now,
      occurredAt: now,
      data: { uuid: frame.uuid, method: frame.method, args: frame.args },
    };
    // Waited for from before the request is published, so nothing can be answered before the wait begins: the first
    // look at the database is after a wait that no notification ended (a missed one: the listening connection was
    // down). Each later wait is taken before that look, so an answer stored in between is not missed.
    const waiter = { id: requestId, tenantId: source.tenantId, sourceId: source.id, uuid: frame.uuid };
    const deadline = Date.now() + this.config.syncBudgetFor(frame.method);
    let signal = this.signals.next(waiter, deadline);
    await acknowledged(this.kafka.emit(Topics.events, canonicalEventRecord(event, configMark)));
    await this.requests.noteDelivered(requestId);

    // Woken the moment any instance stores the answer ('stored': committed, closeSync reads it) or fan-out offers
    // the POS's answer (closeSync stores it).
    let offered: QerkoReplyV1['answer'] | null = null;
    for (;;) {
      const woken = await signal;
      if (woken === 'stored') break;
      if (woken !== 'timeout') {
        offered = woken.offered;
        break;
      }
      if (Date.now() >= deadline) break;
      signal = this.signals.next(waiter, deadline);
      if (await this.requests.answerOf(requestId)) break;
    }
    const closed = await this.requests.closeSync(requestId, offered);
    if (closed.state === 'answered_sync' && closed.answer)
      return { status: 200, body: responseFrame(frame.uuid, closed.answer) };
    return { status: 202, body: { uuid: frame.uuid, status: 'accepted' } };
  }
}
