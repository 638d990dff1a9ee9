import { Injectable, Logger } from '@nestjs/common';
import { DEAD_LETTER_SCHEMA, DeadLetterV1, Topics } from '@gateway/contracts';
import { MessageProducer } from '@gateway/messaging';

/** Writes records the gateway gives up on to the dead-letter topic, with the reason. */
@Injectable()
export class DeadLetterPublisher {
  private readonly logger = new Logger(DeadLetterPublisher.name);

  constructor(private readonly producer: MessageProducer) {}

  /** Awaited: a poison record's offset is committed only after its dead letter is stored. */
  async publish(letter: Omit<DeadLetterV1, 'schema' | 'origin' | 'at'>): Promise<void> {
    const record: DeadLetterV1 = {
      schema: DEAD_LETTER_SCHEMA,
      origin: 'fanout',
      at: new Date().toISOString(),
      ...letter,
    };
    await this.producer.send(Topics.deadLetter, [
      { key: letter.deliveryId ?? letter.eventId, value: JSON.stringify(record) },
    ]);
    this.logger.warn(`dead-lettered ${letter.deliveryId ?? letter.eventId ?? 'a record'}: ${letter.reason}`);
  }
}
