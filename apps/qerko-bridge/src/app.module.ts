import { DynamicModule, Module } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { HealthModule, MetricsModule, healthChecks } from '@gateway/http';
import { KafkaConnection, MessagingModule } from '@gateway/messaging';
import { PersistenceModule } from '@gateway/persistence';
import { QerkoBridgeConfig } from './qerko-bridge.config';

/**
 * The Qerko bridge: owns each Qerko request's lifecycle (sync answer, async /reply, exactly once).
 * This walking-skeleton version connects to Kafka and Postgres and reports health; the request lifecycle is built
 * on top of these connections.
 */
@Module({})
export class AppModule {
  static forConfig(config: QerkoBridgeConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        PersistenceModule.forRoot({ url: config.DATABASE_URL, applicationName: 'qerko-bridge', poolSize: 4 }),
        MessagingModule.forRoot({ clientId: 'qerko-bridge', brokers: config.KAFKA_BROKERS }),
        HealthModule.forRoot(),
        MetricsModule.forRoot('qerko-bridge'),
      ],
      providers: [
        { provide: QerkoBridgeConfig, useValue: config },
        healthChecks([KafkaConnection, DataSource], (kafka: KafkaConnection, db: DataSource) => [
          { name: 'kafka', check: () => kafka.isHealthy() },
          { name: 'postgres', check: () => db.query('SELECT 1').then(() => true) },
        ]),
      ],
    };
  }
}
