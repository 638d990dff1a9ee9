import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { loadConfigOrExit } from '@gateway/config';
import { configureHttpApp, gatewayFastifyOptions, startObservability } from '@gateway/http';
import { KafkaBatchTransport } from '@gateway/messaging';
import { AppModule } from './app.module';
import { IngestConfig } from './ingest.config';

async function bootstrap(): Promise<void> {
  const config = loadConfigOrExit(IngestConfig, 'ingest');
  // Fastify, where the other services use Express: per request, Express re-parents Node's request and response
  // objects, and at 500 events/s what that leaves behind filled ingest's old generation about once a second; those
  // full collections set its p99 (bench/results/levers.md, "Ingest on Fastify").
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forConfig(config),
    new FastifyAdapter(gatewayFastifyOptions()),
    { bodyParser: false, logger: startObservability('ingest', config) },
  );
  // Signatures are computed over the exact bytes received, which the controller reads itself: no body parser.
  const fastify = app.getHttpAdapter().getInstance();
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser('*', (_request, _body, done) => done(null));
  configureHttpApp(app, config);
  // Kafka as a Nest transport: gateway.config-changes.v1 is ConfigChangesController's broadcast handler. SourceCache
  // subscribes to it while the app initialises (before it loads the sources), which needs the handler connected first.
  app.connectMicroservice({ strategy: app.get(KafkaBatchTransport) });
  await app.listen(config.INGEST_PORT, '0.0.0.0');
  await app.startAllMicroservices();
}

void bootstrap();
