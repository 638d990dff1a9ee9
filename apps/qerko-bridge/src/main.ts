import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { loadConfigOrExit } from '@gateway/config';
import { configureHttpApp, nestLogLevels } from '@gateway/http';
import { AppModule } from './app.module';
import { QerkoBridgeConfig } from './qerko-bridge.config';

async function bootstrap(): Promise<void> {
  const config = loadConfigOrExit(QerkoBridgeConfig, 'qerko-bridge');
  const app = await NestFactory.create(AppModule.forConfig(config), { logger: nestLogLevels(config.LOG_LEVEL) });
  configureHttpApp(app);
  await app.listen(config.QERKO_BRIDGE_PORT, '0.0.0.0');
}

void bootstrap();
