import { DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { HealthModule, MetricsModule, healthChecks } from '@gateway/http';
import { Topics } from '@gateway/contracts';
import {
  KafkaBatchTransport,
  KafkaConnection,
  KafkaTransportModule,
  kafkaSecurity,
  MessagingModule,
} from '@gateway/messaging';
import { EndpointEntity, PersistenceModule } from '@gateway/persistence';
import { SecretBox, UrlGuard } from '@gateway/security';
import { EventIntake } from './consume/event-intake';
import { EventsController } from './consume/events.controller';

import { DeliveryAttempter } from './deliver/delivery-attempter';
import { Dispatcher } from './deliver/dispatcher';
import { OrderedLanes } from './deliver/ordered-lanes';
import { EndpointDisabler } from './deliver/endpoint-disabler';
import { OperationalEvents } from './deliver/operational-events';
import { FanoutMetrics } from './deliver/fanout.metrics';
import { DEFAULT_HEALTH, EndpointHealthRegistry } from './deliver/endpoint-health';
import { HttpSender } from '@gateway/delivery';
import { QerkoReplyForwarder } from './deliver/qerko-reply.forwarder';
import { ReplayWorker } from './deliver/replay-worker';
import { RetryPoller } from './deliver/retry-poller';
import { ConfigChangesController } from './endpoints/config-changes.controller';
import { EndpointCache } from './endpoints/endpoint-cache';
import { FanoutEndpointsRepository } from './endpoints/fanout-endpoints.repository';
import { FanoutConfig } from './fanout.config';
import { FanoutLifecycle } from './fanout.lifecycle';
import { InstanceRegistry } from './store/instance-registry';
import { DeliveryStore } from './store/delivery-store';
import { EventPartitions } from './store/event-partitions';
import { RetentionJob } from './retention/retention-job';
import { RetentionStore } from './retention/retention-store';
import { OutcomeJournal } from './store/outcome-journal';
import { OutcomeWriter } from './store/outcome-writer';
import { ReplayStore } from './store/replay-store';

@Module({})
export class AppModule {
  static forConfig(config: FanoutConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        PersistenceModule.forRoot({ url: config.DATABASE_URL, applicationName: 'fanout', poolSize: 10 }),
        TypeOrmModule.forFeature([EndpointEntity]),
        MessagingModule.forRoot({
          clientId: 'fanout',
          brokers: config.KAFKA_BROKERS,
          ...kafkaSecurity(config),
          sendTimeoutMs: 10_000,
        }),
        // Consumed through the Nest transport: EventsController's and ConfigChangesController's handlers (main.ts).
        KafkaTransportModule.forRoot({
          topics: {
            [Topics.events]: {
              partitionsConsumedConcurrently: config.FANOUT_PARTITIONS_CONCURRENTLY,
              fetchPauseMs: config.FANOUT_FETCH_PAUSE_MS,
            },
          },
        }),
        HealthModule.forRoot(),
        MetricsModule.forRoot('fanout', config.METRICS_PORT),
      ],
      controllers: [EventsController, ConfigChangesController],
      providers: [
        healthChecks(
          [KafkaConnection, DataSource, EndpointCache, KafkaBatchTransport, RetryPoller],
          (
            kafka: KafkaConnection,
            db: DataSource,
            endpoints: EndpointCache,
            transport: KafkaBatchTransport,
            poller: RetryPoller,
          ) => [
            { name: 'kafka', check: () => kafka.isHealthy() },
            { name: 'postgres', check: () => db.query('SELECT 1').then(() => true) },
            { name: 'endpointCache', check: () => endpoints.ready },
            { name: 'eventsConsumer', check: () => transport.isHealthy(Topics.events) },
            { name: 'retryPoller', check: () => poller.healthy },
          ],
        ),
        { provide: FanoutConfig, useValue: config },
        {
          provide: SecretBox,
          useValue: new SecretBox(config.GATEWAY_ENCRYPTION_KEY, config.GATEWAY_PREVIOUS_ENCRYPTION_KEYS),
        },
        {
          provide: UrlGuard,
          useValue: new UrlGuard({
            allowHttp: config.GATEWAY_ALLOW_HTTP_ENDPOINTS,
            allowedPrivateCidrs: config.GATEWAY_ALLOWED_PRIVATE_CIDRS,
          }),
        },
        FanoutEndpointsRepository,
        EndpointCache,
        EventPartitions,
        RetentionStore,
        RetentionJob,
        DeliveryStore,
        InstanceRegistry,
        OutcomeJournal,
        OutcomeWriter,
        {
          provide: HttpSender,
          inject: [UrlGuard],
          useFactory: (guard: UrlGuard) =>
            new HttpSender(guard, {
              connectionsPerOrigin: config.FANOUT_MAX_IN_FLIGHT_PER_ENDPOINT,
              responseBodyLimitBytes: config.FANOUT_RESPONSE_BODY_LIMIT_BYTES,
            }),
        },
        EndpointDisabler,
        OperationalEvents,
        FanoutMetrics,
        QerkoReplyForwarder,
        {
          provide: EndpointHealthRegistry,
          useValue: new EndpointHealthRegistry({
            ...DEFAULT_HEALTH,
            maxConcurrency: config.FANOUT_MAX_IN_FLIGHT_PER_ENDPOINT,
          }),
        },
        DeliveryAttempter,
        Dispatcher,
        OrderedLanes,
        RetryPoller,
        ReplayStore,
        ReplayWorker,
        EventIntake,
        FanoutLifecycle,
      ],
    };
  }
}
