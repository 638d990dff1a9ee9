import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { raw } from 'express';
import { loadConfigOrExit } from '@gateway/config';
import { configureHttpApp } from '@gateway/http';
import { AppModule } from './app.module';
import { IngestConfig } from './ingest.config';

async function bootstrap(): Promise<void> {
  const config = loadConfigOrExit(IngestConfig, 'ingest');
  // Signatures are computed over the exact bytes received, so bodies stay raw Buffers; adapters parse them.
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forConfig(config), { bodyParser: false });
  app.use(raw({ type: () => true, limit: config.INGEST_MAX_BODY_BYTES }));
  configureHttpApp(app);
  await app.listen(config.INGEST_PORT, '0.0.0.0');
}

void bootstrap();
