import { DynamicModule, Global, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { HealthModule, MetricsModule, healthChecks } from '@gateway/http';
import { KafkaConnection, KafkaTransportModule, kafkaSecurity, MessagingModule } from '@gateway/messaging';
import { ApiKeyEntity, PersistenceModule } from '@gateway/persistence';
import { AdminApiConfig } from './admin-api.config';
import { ApiKeysModule } from './api-keys/api-keys.module';
import { ApiKeyRepository } from './auth/api-key.repository';
import { AuthGuard } from './auth/auth.guard';
import { PortalAccessRepository } from './auth/portal-access.repository';
import { ConfigChangePublisher } from './common/config-change.publisher';
import { securityProviders } from './common/security.providers';
import { DeliveriesModule } from './deliveries/deliveries.module';
import { EndpointsModule } from './endpoints/endpoints.module';
import { EventsModule } from './events/events.module';
import { IdempotencyModule } from './idempotency/idempotency.module';
import { PortalSessionsModule } from './portal/portal-sessions.module';
import { QerkoRequestsModule } from './qerko/qerko-requests.module';
import { ReplaysModule } from './replays/replays.module';
import { SourcesModule } from './sources/sources.module';
import { TenantsModule } from './tenants/tenants.module';

/** What every feature module of admin-api may inject: config, secret box, URL guard, change publisher. */
@Global()
@Module({})
class CoreModule {
  static forConfig(config: AdminApiConfig): DynamicModule {
    return {
      module: CoreModule,
      imports: [TypeOrmModule.forFeature([ApiKeyEntity])],
      providers: [
        { provide: AdminApiConfig, useValue: config },
        ...securityProviders,
        ConfigChangePublisher,
        ApiKeyRepository,
        PortalAccessRepository,
        { provide: APP_GUARD, useClass: AuthGuard },
      ],
      exports: [
        AdminApiConfig,
        ...securityProviders.map((p) => (p as { provide: unknown }).provide as never),
        ConfigChangePublisher,
      ],
    };
  }
}

@Module({})
export class AppModule {
  static forConfig(config: AdminApiConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        PersistenceModule.forRoot({ url: config.DATABASE_URL, applicationName: 'admin-api' }),
        MessagingModule.forRoot({
          clientId: 'admin-api',
          brokers: config.KAFKA_BROKERS,
          ...kafkaSecurity(config),
          sendTimeoutMs: 5000,
        }),
        // Publishes configuration changes through KAFKA_EVENT_CLIENT; its transport (main.ts) has no handler today.
        KafkaTransportModule.forRoot(),
        CoreModule.forConfig(config),
        IdempotencyModule.forConfig(config),
        HealthModule.forRoot(),
        MetricsModule.forRoot('admin-api', config.METRICS_PORT),
        TenantsModule,
        ApiKeysModule,
        SourcesModule,
        EndpointsModule,
        DeliveriesModule,
        EventsModule,
        ReplaysModule,
        QerkoRequestsModule,
        PortalSessionsModule,
      ],
      providers: [
        healthChecks([KafkaConnection, DataSource], (kafka: KafkaConnection, db: DataSource) => [
          { name: 'kafka', check: () => kafka.isHealthy() },
          { name: 'postgres', check: () => db.query('SELECT 1').then(() => true) },
        ]),
      ],
    };
  }
}
