import { DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { HttpSender } from '@gateway/delivery';
import { HealthModule, MetricsModule, healthChecks } from '@gateway/http';
import { Topics } from '@gateway/contracts';
import {
  KafkaBatchTransport,
  KafkaConnection,
  KafkaTransportModule,
  kafkaSecurity,
  MessagingModule,
} from '@gateway/messaging';
import { ApiKeyEntity, PersistenceModule, SourceEntity } from '@gateway/persistence';
import { SecretBox, UrlGuard } from '@gateway/security';
import { QerkoBridgeConfig } from './qerko-bridge.config';
import { QerkoBridgeLifecycle } from './qerko-bridge.lifecycle';
import { QerkoReplyGuard } from './replies/api-key.guard';
import { RepliesController } from './replies/replies.controller';
import { RepliesService } from './replies/replies.service';
import { ReplyWorker } from './replies/reply-worker';
import { QerkoMetrics } from './requests/qerko.metrics';
import { QerkoRequestPartitions } from './requests/qerko-request-partitions';
import { QerkoRetention } from './requests/qerko-retention';
import { AnswerSignals } from './requests/answer-signals';
import { QerkoRequestsRepository } from './requests/qerko-requests.repository';
import { ConfigChangesController } from './sources/config-changes.controller';
import { QerkoSourceCache } from './sources/qerko-source-cache';
import { WebhookController } from './webhook/webhook.controller';
import { WebhookService } from './webhook/webhook.service';

/** The Qerko bridge: each Qerko request's lifecycle, from webhook to exactly one answer (sync 200 or /reply). */
@Module({})
export class AppModule {
  static forConfig(config: QerkoBridgeConfig): DynamicModule {
    const guard = new UrlGuard({
      allowHttp: config.GATEWAY_ALLOW_HTTP_ENDPOINTS,
      allowedPrivateCidrs: config.GATEWAY_ALLOWED_PRIVATE_CIDRS,
    });
    return {
      module: AppModule,
      imports: [
        PersistenceModule.forRoot({ url: config.DATABASE_URL, applicationName: 'qerko-bridge', poolSize: 6 }),
        TypeOrmModule.forFeature([SourceEntity, ApiKeyEntity]),
        MessagingModule.forRoot({
          clientId: 'qerko-bridge',
          brokers: config.KAFKA_BROKERS,
          ...kafkaSecurity(config),
          sendTimeoutMs: 5000,
        }),
        // Consumed through the Nest transport: RepliesController's and ConfigChangesController's handlers (main.ts).
        KafkaTransportModule.forRoot({ topics: { [Topics.qerkoReplies]: { partitionsConsumedConcurrently: 3 } } }),
        HealthModule.forRoot(),
        MetricsModule.forRoot('qerko-bridge', config.METRICS_PORT),
      ],
      controllers: [WebhookController, RepliesController, ConfigChangesController],
      providers: [
        { provide: QerkoBridgeConfig, useValue: config },
        {
          provide: SecretBox,
          useValue: new SecretBox(config.GATEWAY_ENCRYPTION_KEY, config.GATEWAY_PREVIOUS_ENCRYPTION_KEYS),
        },
        {
          provide: HttpSender,
          useValue: new HttpSender(guard, { connectionsPerOrigin: 8, responseBodyLimitBytes: 4096 }),
        },
        healthChecks(
          [KafkaConnection, DataSource, QerkoSourceCache, KafkaBatchTransport],
          (kafka: KafkaConnection, db: DataSource, sources: QerkoSourceCache, transport: KafkaBatchTransport) => [
            { name: 'kafka', check: () => kafka.isHealthy() },
            { name: 'postgres', check: () => db.query('SELECT 1').then(() => true) },
            { name: 'sourceCache', check: () => sources.ready },
            { name: 'repliesConsumer', check: () => transport.isHealthy(Topics.qerkoReplies) },
          ],
        ),
        QerkoSourceCache,
        QerkoRequestPartitions,
        QerkoRetention,
        QerkoRequestsRepository,
        AnswerSignals,
        QerkoMetrics,
        WebhookService,
        RepliesService,
        QerkoReplyGuard,
        ReplyWorker,
        QerkoBridgeLifecycle,
      ],
    };
  }
}
