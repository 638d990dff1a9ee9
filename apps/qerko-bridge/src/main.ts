import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter, NestExpressApplication } from '@nestjs/platform-express';
import { loadConfigOrExit } from '@gateway/config';
import { configureHttpApp, jsonBodiesOnly, startObservability } from '@gateway/http';
import { KafkaBatchTransport } from '@gateway/messaging';
import { logContextPerRequest } from '@gateway/observability';
import { AppModule } from './app.module';
import { QerkoBridgeConfig } from './qerko-bridge.config';
import { WEBHOOK_PATH } from './webhook/webhook.controller';

async function bootstrap(): Promise<void> {
  const config = loadConfigOrExit(QerkoBridgeConfig, 'qerko-bridge');
  // /v1/qerko/replies takes parsed JSON; the webhook reads its own bytes (its signature covers them), and only once
  // it knows the source: an unknown source is 404 whatever the body.
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forConfig(config), new ExpressAdapter(), {
    logger: startObservability('qerko-bridge', config),
    bodyParser: false,
  });
  app.useBodyParser('json', {
    limit: '256kb',
    type: (req) =>
      !WEBHOOK_PATH.test((req.url ?? '').split('?')[0]!) && /json/i.test(req.headers['content-type'] ?? ''),
  });
  // Ids found while handling a request (tenant, Qerko request…) go on its log lines; this service's requests are
  // not a hot path, so the per-request context's cost does not matter here (libs/observability/src/log-context.ts).
  app.use(logContextPerRequest);
  configureHttpApp(app, config);
  app.use(jsonBodiesOnly(WEBHOOK_PATH));
  // Kafka as a Nest transport: the replies topic is RepliesController's @BatchPattern handler, consumed once HTTP
  // listens; gateway.config-changes.v1 is ConfigChangesController's, subscribed while the app initialises
  // (QerkoSourceCache, before it loads).
  app.connectMicroservice({ strategy: app.get(KafkaBatchTransport) });
  await app.listen(config.QERKO_BRIDGE_PORT, '0.0.0.0');
  await app.startAllMicroservices();
}

void bootstrap();
