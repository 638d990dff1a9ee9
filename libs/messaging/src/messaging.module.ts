import { DynamicModule, Injectable, Module, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import type { DeadLetterV1 } from '@gateway/contracts';
import { DeadLetterPublisher } from './dead-letter.publisher';
import { KafkaConnection, KafkaConnectionOptions } from './kafka-connection';
import { MessageProducer } from './message-producer';

@Injectable()
class MessagingLifecycle implements OnModuleInit, OnApplicationShutdown {
  constructor(
    private readonly connection: KafkaConnection,
    private readonly producer: MessageProducer,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.connection.ensureTopics();
    await this.producer.connect();
  }

  // Apps stop their consumers in beforeApplicationShutdown, which Nest runs for every module before any
  // onApplicationShutdown: by now nothing produces any more, and the producer flushes what it still holds.
  async onApplicationShutdown(): Promise<void> {
    await this.producer.disconnect().catch(() => undefined);
    await this.connection.close();
  }
}

@Module({})
export class MessagingModule {
  /** `clientId` names the service to the broker and in the dead letters it writes. */
  static forRoot(
    options: KafkaConnectionOptions & {
      clientId: DeadLetterV1['origin'];
      sendTimeoutMs?: number;
      lingerMs?: number;
    },
  ): DynamicModule {
    const connection = new KafkaConnection(options);
    const producer = new MessageProducer(connection, {
      sendTimeoutMs: options.sendTimeoutMs,
      lingerMs: options.lingerMs,
    });
    return {
      module: MessagingModule,
      global: true,
      providers: [
        { provide: KafkaConnection, useValue: connection },
        { provide: MessageProducer, useValue: producer },
        { provide: DeadLetterPublisher, useValue: new DeadLetterPublisher(producer, options.clientId) },
        MessagingLifecycle,
      ],
      exports: [KafkaConnection, MessageProducer, DeadLetterPublisher],
    };
  }
}
