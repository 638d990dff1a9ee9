import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import { loadConfigOrExit } from '@gateway/config';
import { configureHttpApp, startObservability } from '@gateway/http';
import { AppModule } from './app.module';
import { FanoutConfig } from './fanout.config';

async function bootstrap(): Promise<void> {
  const config = loadConfigOrExit(FanoutConfig, 'fanout');
  const app = await NestFactory.create(AppModule.forConfig(config), new ExpressAdapter(), {
    logger: startObservability('fanout', config),
  });
  configureHttpApp(app, config);
  // HTTP serves health (and metrics) only; the work is the events consumer and the retry poller.
  await app.listen(config.FANOUT_PORT, '0.0.0.0');
}

void bootstrap();
