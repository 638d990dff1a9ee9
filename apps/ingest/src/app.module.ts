import { DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { HealthModule, MetricsModule, healthChecks } from '@gateway/http';
import {
  KafkaConnection,
  KafkaTransportModule,
  kafkaSecurity,
  MessageProducer,
  MessagingModule,
} from '@gateway/messaging';
import { PersistenceModule, SourceEntity } from '@gateway/persistence';
import { SecretBox } from '@gateway/security';
import { IngestConfig } from './ingest.config';
import { EventPublisher } from './intake/event-publisher';
import { IngestMetrics } from './intake/ingest.metrics';
import { IntakeRoute } from './intake/intake.route';
import { IntakeService } from './intake/intake.service';
import { DataValidators } from './intake/data-validators';
import { DigitaxAdapter } from './providers/digitax.adapter';
import { KaynkoAdapter } from './providers/kaynko.adapter';
import { IngestSourcesRepository } from './sources/ingest-sources.repository';
import { ConfigChangesController } from './sources/config-changes.controller';
import { SourceActivity } from './sources/source-activity';
import { SourceCache } from './sources/source-cache';

@Module({})
export class AppModule {
  static forConfig(config: IngestConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        PersistenceModule.forRoot({ url: config.DATABASE_URL, applicationName: 'ingest', poolSize: 4 }),
        TypeOrmModule.forFeature([SourceEntity]),
        MessagingModule.forRoot({
          clientId: 'ingest',
          brokers: config.KAFKA_BROKERS,
          lingerMs: config.INGEST_KAFKA_LINGER_MS,
          ...kafkaSecurity(config),
        }),
        // Publishes gateway.events.v1 through KAFKA_EVENT_CLIENT; consumes gateway.config-changes.v1 through the
        // Nest transport: ConfigChangesController's broadcast handler (main.ts connects it).
        KafkaTransportModule.forRoot(),
        HealthModule.forRoot(),
        MetricsModule.forRoot('ingest', config.METRICS_PORT),
      ],
      controllers: [ConfigChangesController],
      providers: [
        healthChecks(
          [KafkaConnection, MessageProducer, DataSource, SourceCache],
          (kafka: KafkaConnection, producer: MessageProducer, db: DataSource, sources: SourceCache) => [
            { name: 'kafka', check: async () => producer.isConnected && (await kafka.isHealthy()) },
            { name: 'postgres', check: () => db.query('SELECT 1').then(() => true) },
            { name: 'sourceCache', check: () => sources.ready },
          ],
        ),
        { provide: IngestConfig, useValue: config },
        {
          provide: SecretBox,
          useValue: new SecretBox(config.GATEWAY_ENCRYPTION_KEY, config.GATEWAY_PREVIOUS_ENCRYPTION_KEYS),
        },
        IngestSourcesRepository,
        SourceCache,
        SourceActivity,
        EventPublisher,
        IngestMetrics,
        DataValidators,
        KaynkoAdapter,
        DigitaxAdapter,
        IntakeService,
        IntakeRoute,
      ],
    };
  }
}
