import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import { loadConfigOrExit } from '@gateway/config';
import { configureHttpApp, startObservability } from '@gateway/http';
import { KafkaBatchTransport } from '@gateway/messaging';
import { AppModule } from './app.module';
import { FanoutConfig } from './fanout.config';

async function bootstrap(): Promise<void> {
  const config = loadConfigOrExit(FanoutConfig, 'fanout');
  const app = await NestFactory.create(AppModule.forConfig(config), new ExpressAdapter(), {
    logger: startObservability('fanout', config),
  });
  configureHttpApp(app, config);
  // Kafka as a Nest transport: gateway.events.v1 is EventsController's @BatchPattern handler, consumed once HTTP
  // (health and metrics only) listens; gateway.config-changes.v1 is ConfigChangesController's, subscribed while the
  // app initialises (EndpointCache, before it loads). The retry queue starts in FanoutLifecycle.
  app.connectMicroservice({ strategy: app.get(KafkaBatchTransport) });
  await app.listen(config.FANOUT_PORT, '0.0.0.0');
  await app.startAllMicroservices();
}

void bootstrap();
