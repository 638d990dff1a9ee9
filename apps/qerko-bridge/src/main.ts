import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { loadConfigOrExit } from '@gateway/config';
import { configureHttpApp, startObservability } from '@gateway/http';
import { AppModule } from './app.module';
import { QerkoBridgeConfig } from './qerko-bridge.config';

async function bootstrap(): Promise<void> {
  const config = loadConfigOrExit(QerkoBridgeConfig, 'qerko-bridge');
  // rawBody: the webhook's signature covers the exact bytes received; /v1/qerko/replies uses the parsed JSON.
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forConfig(config), {
    logger: startObservability('qerko-bridge', config),
    rawBody: true,
  });
  app.useBodyParser('json', { limit: '256kb' });
  configureHttpApp(app, config);
  await app.listen(config.QERKO_BRIDGE_PORT, '0.0.0.0');
}

void bootstrap();
