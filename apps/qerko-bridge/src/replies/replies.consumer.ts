import { Injectable, Logger } from '@nestjs/common';
import { QERKO_REPLY_SCHEMA, QerkoReplyV1, Topics } from '@gateway/contracts';
import { BatchConsumer, KafkaConnection } from '@gateway/messaging';
import { RepliesService } from './replies.service';

/** Synchronous POS answers handed over by fan-out on `gateway.qerko-replies.v1`. */
@Injectable()
export class RepliesConsumer {
  private readonly logger = new Logger(RepliesConsumer.name);
  private readonly consumer: BatchConsumer;

  constructor(kafka: KafkaConnection, replies: RepliesService) {
    this.consumer = new BatchConsumer(kafka, {
      groupId: 'qerko-bridge',
      topics: [Topics.qerkoReplies],
      fromBeginning: false,
      partitionsConsumedConcurrently: 3,
      handle: async (records) => {
        for (const record of records) {
          let reply: QerkoReplyV1;
          try {
            reply = JSON.parse(record.value?.toString('utf8') ?? '') as QerkoReplyV1;
          } catch {
            this.logger.warn(`skipped an unreadable record at ${record.topic}/${record.partition}@${record.offset}`);
            continue;
          }
          if (reply.schema !== QERKO_REPLY_SCHEMA || typeof reply.uuid !== 'string') continue;
          await replies.fromDelivery(reply.tenantId, reply.uuid, reply.answer);
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
