import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import { loadConfigOrExit } from '@gateway/config';
import { configureHttpApp, jsonBodiesOnly, startObservability } from '@gateway/http';
import { KafkaBatchTransport } from '@gateway/messaging';
import { logContextPerRequest } from '@gateway/observability';
import { AdminApiConfig } from './admin-api.config';
import { AppModule } from './app.module';
import { serveConsole } from './console';
import { serveOpenApi } from './openapi';

async function bootstrap(): Promise<void> {
  const config = loadConfigOrExit(AdminApiConfig, 'admin-api');
  const app = await NestFactory.create(AppModule.forConfig(config), new ExpressAdapter(), {
    logger: startObservability('admin-api', config),
  });
  // Ids found while handling a request (tenant, Qerko request…) go on its log lines; this service's requests are
  // not a hot path, so the per-request context's cost does not matter here (libs/observability/src/log-context.ts).
  app.use(logContextPerRequest);
  configureHttpApp(app, config);
  app.use(jsonBodiesOnly());

  serveOpenApi(app, config.GATEWAY_PUBLIC_ADMIN_URL);
  serveConsole(app, config.GATEWAY_CONSOLE_FRAME_ANCESTORS);

  // A hybrid app like the other services: admin-api consumes no topic today (it publishes configuration changes), so
  // its transport starts with nothing to join; a @BatchPattern handler added to a controller is consumed from here.
  app.connectMicroservice({ strategy: app.get(KafkaBatchTransport) });
  await app.listen(config.ADMIN_API_PORT, '0.0.0.0');
  await app.startAllMicroservices();
}

void bootstrap();
