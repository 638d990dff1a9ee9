import { DynamicModule, Injectable, Module, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
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
  static forRoot(options: KafkaConnectionOptions & { sendTimeoutMs?: number; lingerMs?: number }): DynamicModule {
    const connection = new KafkaConnection(options);
    return {
      module: MessagingModule,
      global: true,
      providers: [
        { provide: KafkaConnection, useValue: connection },
        {
          provide: MessageProducer,
          useValue: new MessageProducer(connection, {
            sendTimeoutMs: options.sendTimeoutMs,
            lingerMs: options.lingerMs,
          }),
        },
        MessagingLifecycle,
      ],
      exports: [KafkaConnection, MessageProducer],
    };
  }
}
