import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { loadConfigOrExit } from '@gateway/config';
import { DirectRoutes, configureHttpApp, gatewayFastifyOptions, startObservability } from '@gateway/http';
import { KafkaBatchTransport } from '@gateway/messaging';
import { AppModule } from './app.module';
import { IngestConfig } from './ingest.config';
import { IntakeRoute } from './intake/intake.route';

async function bootstrap(): Promise<void> {
  const config = loadConfigOrExit(IngestConfig, 'ingest');
  // The intake route is answered by Node's HTTP server before Fastify and Nest see the request (IntakeRoute, a
  // DirectRoute): Fastify's per-request handling was a third of ingest's CPU per accepted event. Fastify (not
  // Express, whose per-request garbage set ingest's p99) serves the rest: health, and the 404s and 405s
  // (bench/results/levers.md, "Ingest on Fastify" and "The intake route ahead of the framework").
  const direct = new DirectRoutes();
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forConfig(config),
    new FastifyAdapter(gatewayFastifyOptions(direct)),
    { bodyParser: false, logger: startObservability('ingest', config) },
  );
  // No route of Fastify's reads a body (the intake route reads its bytes itself): no body parser.
  const fastify = app.getHttpAdapter().getInstance();
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser('*', (_request, _body, done) => done(null));
  configureHttpApp(app, config, direct.add(app.get(IntakeRoute)));
  // Kafka as a Nest transport: gateway.config-changes.v1 is ConfigChangesController's broadcast handler. SourceCache
  // subscribes to it while the app initialises (before it loads the sources), which needs the handler connected first.
  app.connectMicroservice({ strategy: app.get(KafkaBatchTransport) });
  await app.listen(config.INGEST_PORT, '0.0.0.0');
  await app.startAllMicroservices();
}

void bootstrap();
