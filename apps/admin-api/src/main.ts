import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { loadConfigOrExit } from '@gateway/config';
import { configureHttpApp, startObservability } from '@gateway/http';
import { AdminApiConfig } from './admin-api.config';
import { AppModule } from './app.module';
import { serveConsole } from './console';
import { serveOpenApi } from './openapi';

async function bootstrap(): Promise<void> {
  const config = loadConfigOrExit(AdminApiConfig, 'admin-api');
  const app = await NestFactory.create(AppModule.forConfig(config), {
    logger: startObservability('admin-api', config),
  });
  configureHttpApp(app, config);

  serveOpenApi(app);
  serveConsole(app);

  await app.listen(config.ADMIN_API_PORT, '0.0.0.0');
}

void bootstrap();
