import { Injectable } from '@nestjs/common';
import { Topics, readQerkoReply } from '@gateway/contracts';
import { BatchConsumer, DeadLetterPublisher, KafkaConnection } from '@gateway/messaging';
import { RepliesService } from './replies.service';

/**
 * Synchronous POS answers handed over by fan-out on `gateway.qerko-replies.v1`. A record that is not a
 * qerko-reply.v1 goes to the dead-letter topic with the reason (its offset is committed after that), so it never
 * blocks the answers behind it.
 */
@Injectable()
export class RepliesConsumer {
  private readonly consumer: BatchConsumer;

  constructor(kafka: KafkaConnection, replies: RepliesService, deadLetters: DeadLetterPublisher) {
    this.consumer = new BatchConsumer(kafka, {
      groupId: 'qerko-bridge',
      topics: [Topics.qerkoReplies],
      fromBeginning: false,
      partitionsConsumedConcurrently: 3,
      handle: async (records) => {
        for (const record of records) {
          const reply = readQerkoReply(record.value);
          if (typeof reply === 'string') await deadLetters.rejectRecord(record, reply);
          else await replies.fromDelivery(reply.tenantId, reply.uuid, reply.answer);
        }
      },
    });
  }

  get healthy(): boolean {
    return this.consumer.healthy;
  }

  start(): Promise<void> {
    return this.consumer.start();
  }

  stop(): Promise<void> {
    return this.consumer.stop();
  }
}
