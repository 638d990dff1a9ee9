import { DynamicModule, Module } from '@nestjs/common';
import { DeadLetterPublisher } from '../dead-letter.publisher';
import { KafkaConnection } from '../kafka-connection';
import { MessageProducer } from '../message-producer';
import { KafkaBatchTransport, KafkaBatchTransportOptions } from './kafka-batch.transport';
import { KafkaEventClient } from './kafka-event.client';
import { KAFKA_EVENT_CLIENT } from './kafka-transport.constants';

/**
 * Provides the service's `KafkaBatchTransport` (main.ts passes it to `connectMicroservice({ strategy })`; caches and
 * lifecycles inject it for `startBroadcast`, `caughtUp`, `pause`, `stop`, health) and its `KafkaEventClient` under
 * `KAFKA_EVENT_CLIENT`. Both are built on what `MessagingModule.forRoot` provides, which must be imported too.
 */
@Module({})
export class KafkaTransportModule {
  static forRoot(options: KafkaBatchTransportOptions = {}): DynamicModule {
    return {
      module: KafkaTransportModule,
      global: true,
      providers: [
        {
          provide: KafkaBatchTransport,
          inject: [KafkaConnection, DeadLetterPublisher],
          useFactory: (connection: KafkaConnection, deadLetters: DeadLetterPublisher) =>
            new KafkaBatchTransport(connection, deadLetters, options),
        },
        {
          provide: KAFKA_EVENT_CLIENT,
          inject: [MessageProducer],
          useFactory: (producer: MessageProducer) => new KafkaEventClient(producer),
        },
      ],
      exports: [KafkaBatchTransport, KAFKA_EVENT_CLIENT],
    };
  }
}
