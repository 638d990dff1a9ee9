import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { loadConfigOrExit } from '@gateway/config';
import { configureHttpApp, startObservability } from '@gateway/http';
import { AppModule } from './app.module';
import { IngestConfig } from './ingest.config';

async function bootstrap(): Promise<void> {
  const config = loadConfigOrExit(IngestConfig, 'ingest');
  // No body parser: signatures are computed over the exact bytes received, which the controller reads itself.
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forConfig(config), {
    bodyParser: false,
    logger: startObservability('ingest', config),
  });
  configureHttpApp(app, config);
  // Every answer is a one-off (202 with the event id, or an error): an ETag, hashed from each body, would never be used.
  app.set('etag', false);
  await app.listen(config.INGEST_PORT, '0.0.0.0');
}

void bootstrap();
