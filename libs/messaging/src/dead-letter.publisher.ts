import { Logger } from '@nestjs/common';
import { DEAD_LETTER_SCHEMA, DeadLetterV1, Topics } from '@gateway/contracts';
import type { ConsumedRecord } from './batch-consumer';
import { MessageProducer } from './message-producer';

/**
 * Writes what a service gives up on to the dead-letter topic, with the reason: records that are not the message their
 * topic carries, events that cannot be stored, deliveries out of attempts. Provided by MessagingModule, which names
 * the service (`origin`).
 */
export class DeadLetterPublisher {
  private readonly logger = new Logger(DeadLetterPublisher.name);

  constructor(
    private readonly producer: MessageProducer,
    private readonly origin: DeadLetterV1['origin'],
  ) {}

  /** Awaited: a poison record's offset is committed only after its dead letter is stored. */
  async publish(letter: Omit<DeadLetterV1, 'schema' | 'origin' | 'at'>): Promise<void> {
    const record: DeadLetterV1 = {
      schema: DEAD_LETTER_SCHEMA,
      origin: this.origin,
      at: new Date().toISOString(),
      ...letter,
    };
    await this.producer.send(Topics.deadLetter, [
      { key: letter.deliveryId ?? letter.eventId, value: JSON.stringify(record) },
    ]);
    this.logger.warn(
      `dead-lettered ${letter.deliveryId ?? letter.eventId ?? describe(letter.source)}: ${letter.reason}`,
    );
  }

  /** A consumed record that is not what its topic carries: its place, its value as it was, and why. */
  rejectRecord(record: ConsumedRecord, reason: string): Promise<void> {
    return this.publish({
      reason,
      source: { topic: record.topic, partition: record.partition, offset: record.offset },
      ...encodePayload(record.value),
    });
  }
}

function describe(source: DeadLetterV1['source']): string {
  return source ? `${source.topic}/${source.partition}@${source.offset}` : 'a record';
}

/** The value as UTF-8 text when it is valid UTF-8, else base64. */
function encodePayload(value: Buffer | null): Pick<DeadLetterV1, 'payload' | 'payloadEncoding'> {
  if (!value) return {};
  try {
    return { payload: new TextDecoder('utf-8', { fatal: true }).decode(value), payloadEncoding: 'utf8' };
  } catch {
    return { payload: value.toString('base64'), payloadEncoding: 'base64' };
  }
}
