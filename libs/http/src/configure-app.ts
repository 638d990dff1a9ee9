import type { Server } from 'node:http';
import { INestApplication, Logger } from '@nestjs/common';
import type { BaseServiceConfig } from '@gateway/config';
import { GatewayLogger, createPinoLogger, startTracing, stopTracing } from '@gateway/observability';
import type { NextFunction, Request, Response } from 'express';
import { ApiError } from './api-error';
import { ErrorFilter } from './error.filter';
import { HttpMetricsMiddleware } from './metrics.module';
import { createValidationPipe } from './validation';

/** What every HTTP service sets up the same way: one error shape, strict validation, graceful shutdown. */
export function configureHttpApp(
  app: INestApplication,
  config: Pick<BaseServiceConfig, 'SHUTDOWN_TIMEOUT_SECONDS'>,
): void {
  const metrics = app.get(HttpMetricsMiddleware, { strict: false });
  const shutdown = { draining: false };
  app.use((req: Request, res: Response, next: NextFunction) => {
    // While draining, every answer closes its keep-alive connection, so the server can finish closing.
    if (shutdown.draining) res.setHeader('connection', 'close');
    metrics.use(req, res, () => (req.url.includes('%00') ? refuseNul(res) : next()));
  });
  app.useGlobalFilters(new ErrorFilter());
  app.useGlobalPipes(createValidationPipe());
  gracefulShutdown(app, shutdown, config.SHUTDOWN_TIMEOUT_SECONDS);
  const server = app.getHttpAdapter().getInstance() as {
    disable?: (name: string) => void;
    set?: (k: string, v: unknown) => void;
  };
  server.disable?.('x-powered-by');
  server.set?.('query parser', 'simple');
}

/**
 * A NUL character (`%00`) in the path or the query string: no id or filter holds one, and PostgreSQL refuses it in
 * text, which surfaced as a 500 (`GET /v1/tenants/%00`). Refused here, for every route of every service, in the one
 * error shape.
 */
function refuseNul(res: Response): void {
  const error = ApiError.badRequest(
    'invalid_url',
    'The request URL contains a NUL character (%00), which no id or filter can hold.',
  );
  res.status(400).json(error.toBody());
}

/**
 * Graceful shutdown on SIGTERM or SIGINT, in the order that loses nothing: stop taking HTTP requests (new connections
 * are refused, keep-alive ones close after their current answer, so requests in flight still get theirs, e.g. ingest's
 * 202 after Kafka's acknowledgement), then Nest's shutdown hooks (each service stops taking work, finishes or hands
 * back what it holds, then closes its connections), then exit 0. One stuck past
 * SHUTDOWN_TIMEOUT_SECONDS exits 1 with a message instead of waiting for the orchestrator's SIGKILL; nothing accepted
 * is lost by that either (unfinished deliveries are leased in PostgreSQL and come back when their lease runs out).
 */
function gracefulShutdown(app: INestApplication, shutdown: { draining: boolean }, seconds: number): void {
  const logger = new Logger('Shutdown');
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      logger.log(`${signal}: shutting down (at most ${seconds} s)`);
      setTimeout(() => {
        logger.error(`graceful shutdown took longer than ${seconds} s; exiting now`);
        process.exit(1);
      }, seconds * 1000).unref();
      shutdown.draining = true;
      const server = app.getHttpServer() as Server;
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      })
        .then(() => app.close())
        .then(() => stopTracing())
        .then(
          () => process.exit(0),
          (err: Error) => {
            logger.error(`shutdown failed: ${err.stack ?? err.message}`);
            process.exit(1);
          },
        );
    });
  }
}

/**
 * Observability first, before Nest creates anything: tracing when the OTEL_* variables ask for it, and the
 * structured logger every `new Logger(…)` writes through. Pass the result as NestFactory's `logger`.
 */
export function startObservability(
  service: string,
  config: Pick<
    BaseServiceConfig,
    | 'LOG_LEVEL'
    | 'LOG_FORMAT'
    | 'OTEL_SDK_DISABLED'
    | 'OTEL_TRACES_EXPORTER'
    | 'OTEL_EXPORTER_OTLP_ENDPOINT'
    | 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT'
    | 'OTEL_SERVICE_NAME'
  >,
): GatewayLogger {
  const logger = new GatewayLogger(createPinoLogger(service, config));
  if (startTracing(service, config)) logger.log('tracing on: spans are exported by OpenTelemetry', 'Tracing');
  return logger;
}
