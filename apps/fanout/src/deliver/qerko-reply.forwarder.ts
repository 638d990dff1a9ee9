import { Inject, Injectable, Logger } from '@nestjs/common';
import { ClientProxy } from '@nestjs/microservices';
import { CanonicalEventV1, QERKO_REPLY_SCHEMA, QerkoReplyV1, Topics, parseQerkoAnswer } from '@gateway/contracts';
import { KAFKA_EVENT_CLIENT, acknowledged } from '@gateway/messaging';

/**
 * A POS may answer a `qerko.*` delivery synchronously, in its 200 response body (`{"result"}` or `{"error"}`).
 * Fan-out hands that answer to the Qerko bridge, which owns the request's lifecycle.
 */
@Injectable()
export class QerkoReplyForwarder {
  private readonly logger = new Logger(QerkoReplyForwarder.name);

  constructor(@Inject(KAFKA_EVENT_CLIENT) private readonly kafka: ClientProxy) {}

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
      uuid,
      answer,
      at: new Date().toISOString(),
    };
    await acknowledged(this.kafka.emit(Topics.qerkoReplies, { key: uuid, value: JSON.stringify(reply) })).catch(
      (err: Error) => this.logger.error(`could not hand the POS answer for ${uuid} to the bridge: ${err.message}`),
    );
  }
}
