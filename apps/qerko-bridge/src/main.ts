import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter, NestExpressApplication } from '@nestjs/platform-express';
import { loadConfigOrExit } from '@gateway/config';
import { configureHttpApp, startObservability } from '@gateway/http';
import { logContextPerRequest } from '@gateway/observability';
import { AppModule } from './app.module';
import { QerkoBridgeConfig } from './qerko-bridge.config';

async function bootstrap(): Promise<void> {
  const config = loadConfigOrExit(QerkoBridgeConfig, 'qerko-bridge');
  // rawBody: the webhook's signature covers the exact bytes received; /v1/qerko/replies uses the parsed JSON.
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forConfig(config), new ExpressAdapter(), {
    logger: startObservability('qerko-bridge', config),
    rawBody: true,
  });
  app.useBodyParser('json', { limit: '256kb' });
  // Ids found while handling a request (tenant, Qerko request…) go on its log lines; this service's requests are
  // not a hot path, so the per-request context's cost does not matter here (libs/observability/src/log-context.ts).
  app.use(logContextPerRequest);
  configureHttpApp(app, config);
  await app.listen(config.QERKO_BRIDGE_PORT, '0.0.0.0');
}

void bootstrap();
