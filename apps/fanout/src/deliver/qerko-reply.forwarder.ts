import { Inject, Injectable, Logger } from '@nestjs/common';
import { ClientProxy } from '@nestjs/microservices';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import {
  CanonicalEventV1,
  QERKO_ANSWER_OFFERS_CHANNEL,
  QERKO_ANSWER_OFFER_MAX_BYTES,
  QERKO_REPLY_SCHEMA,
  QerkoReplyV1,
  Topics,
  parseQerkoAnswer,
} from '@gateway/contracts';
import { KAFKA_EVENT_CLIENT, acknowledged } from '@gateway/messaging';

/**
 * A POS may answer a `qerko.*` delivery synchronously, in its 200 response body (`{"result"}` or `{"error"}`).
 * Fan-out hands that answer to the Qerko bridge, which owns the request's lifecycle: as a record on
 * `gateway.qerko-replies.v1` (never lost), and at once as an offer to the bridge instance whose webhook request waits
 * for it (a PostgreSQL notification, QERKO_ANSWER_OFFERS_CHANNEL), which saves Qerko's wait the record's way through
 * the broker and the bridge's consumer.
 */
@Injectable()
export class QerkoReplyForwarder {
  private readonly logger = new Logger(QerkoReplyForwarder.name);

  constructor(
    @Inject(KAFKA_EVENT_CLIENT) private readonly kafka: ClientProxy,
    @InjectDataSource() private readonly db: DataSource,
  ) {}

  async forward(event: CanonicalEventV1, statusCode: number | null, body: string | null): Promise<void> {
    if (event.provider !== 'qerko' || statusCode !== 200 || !body) return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      return; // not an answer (e.g. "ok"): the POS will answer through /v1/qerko/replies
    }
    const answer = parseQerkoAnswer(parsed);
    const uuid = (event.data as { uuid?: unknown }).uuid;
    if (!answer || typeof uuid !== 'string') return;
    const reply: QerkoReplyV1 = {
      schema: QERKO_REPLY_SCHEMA,
      tenantId: event.tenantId,
      sourceId: event.sourceId,
      uuid,
      answer,
      at: new Date().toISOString(),
    };
    const value = JSON.stringify(reply);
    await Promise.all([
      this.offer(uuid, value),
      acknowledged(this.kafka.emit(Topics.qerkoReplies, { key: uuid, value })).catch((err: Error) =>
        this.logger.error(`could not hand the POS answer for ${uuid} to the bridge: ${err.message}`),
      ),
    ]);
  }

  /** The offer: best effort (the record is the hand-over), and only what fits a notification. */
  private async offer(uuid: string, value: string): Promise<void> {
    if (Buffer.byteLength(value) > QERKO_ANSWER_OFFER_MAX_BYTES) return;
    await this.db
      .query(`SELECT pg_notify($1, $2)`, [QERKO_ANSWER_OFFERS_CHANNEL, value])
      .catch((err: Error) => this.logger.warn(`could not offer the POS answer for ${uuid} at once: ${err.message}`));
  }
}
