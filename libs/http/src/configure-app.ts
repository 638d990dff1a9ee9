import { STATUS_CODES, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { INestApplication, Logger } from '@nestjs/common';
import type { BaseServiceConfig } from '@gateway/config';
import { GatewayLogger, createPinoLogger, startTracing, stopTracing } from '@gateway/observability';
import type { Express, NextFunction, Request, Response } from 'express';
import type { FastifyInstance } from 'fastify';
import { ApiError } from './api-error';
import type { DirectRoutes } from './direct-routes';
import { Draining, bodyDeadline, nulInUrl } from './front-door';
import { ErrorFilter } from './error.filter';
import { HttpMetrics } from './metrics.module';
import { createValidationPipe } from './validation';

/**
 * What every HTTP service sets up the same way, on Express or on Fastify: one error shape, strict validation, request
 * metrics, URLs with NUL refused, graceful shutdown.
 */
export function configureHttpApp(
  app: INestApplication,
  config: Pick<BaseServiceConfig, 'SHUTDOWN_TIMEOUT_SECONDS' | 'HTTP_REQUEST_TIMEOUT_SECONDS'>,
  /** Routes Node's server answers ahead of the framework (Fastify only: see DirectRoutes), opened here. */
  direct?: DirectRoutes,
): void {
  const metrics = app.get(HttpMetrics, { strict: false });
  const shutdown: Draining = { draining: false };
  const http = app.getHttpAdapter();
  const requestTimeoutMs = config.HTTP_REQUEST_TIMEOUT_SECONDS * 1000;
  const frameworkMethodsOf =
    http.getType() === 'fastify'
      ? fastifyFrontDoor(http.getInstance() as FastifyInstance, metrics, shutdown, requestTimeoutMs)
      : expressFrontDoor(app, http.getInstance() as Express, metrics, shutdown, requestTimeoutMs);
  direct?.open({ metrics, shutdown, requestTimeoutMs });
  const methodsOf: MethodsOf = direct
    ? (path) => withHead(new Set([...frameworkMethodsOf(path), ...direct.methodsOf(path)]))
    : frameworkMethodsOf;
  app.useGlobalFilters(new ErrorFilter(http, metrics, methodsOf));
  app.useGlobalPipes(createValidationPipe((type) => app.get(type, { strict: false })));
  guardConnections(app.getHttpServer() as Server, config.HTTP_REQUEST_TIMEOUT_SECONDS);
  gracefulShutdown(app, shutdown, config.SHUTDOWN_TIMEOUT_SECONDS);
}

function expressFrontDoor(
  app: INestApplication,
  express: Express,
  metrics: HttpMetrics,
  shutdown: Draining,
  requestTimeoutMs: number,
): MethodsOf {
  app.use((req: Request, res: Response, next: NextFunction) => {
    bodyDeadline(req, res, requestTimeoutMs);
    // Every answer is an API's: never sniffed as another type, never cached (the console's files set their own).
    res.setHeader('x-content-type-options', 'nosniff');
    res.setHeader('cache-control', 'no-store');
    // While draining, every answer closes its keep-alive connection, so the server can finish closing.
    if (shutdown.draining) res.setHeader('connection', 'close');
    const started = process.hrtime.bigint();
    res.once('finish', () => {
      const route = (req.route as { path?: string } | undefined)?.path;
      metrics.record(route, req.method, res.statusCode, Number(process.hrtime.bigint() - started) / 1e9);
    });
    if (!req.url.includes('%00')) return next();
    res.statusCode = 400;
    res.setHeader('content-type', 'application/json; charset=utf-8');
    res.end(JSON.stringify(nulInUrl().toBody()));
  });
  express.disable('x-powered-by');
  express.set('query parser', 'simple');
  return (path) => {
    type Layer = { route?: { path: string; methods: Record<string, boolean> }; match(path: string): boolean };
    const router = (express as unknown as { router?: { stack: Layer[] } }).router;
    const routes = (router?.stack ?? []).flatMap((layer) => (layer.route && layer.match(path) ? [layer.route] : []));
    // A path some route names literally (`/v1/portal-sessions/exchange`) is that resource, not an id of `/:id`.
    const literal = routes.filter((route) => !route.path.includes(':'));
    const methods = new Set<string>();
    for (const route of literal.length ? literal : routes)
      for (const [method, on] of Object.entries(route.methods)) if (on) methods.add(method.toUpperCase());
    return withHead(methods);
  };
}

/** The methods a path's routes answer (empty when no route has that path): a wrong method is 405, not 404. */
export type MethodsOf = (path: string) => string[];

function withHead(methods: Set<string>): string[] {
  if (methods.has('GET')) methods.add('HEAD');
  return [...methods].sort();
}

/** The same on Fastify, as its hooks (they see the matched route; Fastify sends no X-Powered-By). */
function fastifyFrontDoor(
  fastify: FastifyInstance,
  metrics: HttpMetrics,
  shutdown: Draining,
  requestTimeoutMs: number,
): MethodsOf {
  // Routes as Nest registers them (at init, after this): their paths as patterns, for MethodsOf.
  const routes: Array<{ pattern: RegExp; methods: string[] }> = [];
  fastify.addHook('onRoute', (route) => {
    const pattern = new RegExp(
      `^${route.url
        .replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
        .replace(/:[^/]+/g, '[^/]+')
        .replace(/\/$/, '')}/?$`,
      'i',
    );
    routes.push({ pattern, methods: ([] as string[]).concat(route.method) });
  });
  fastify.addHook('onRequest', (request, reply, done) => {
    bodyDeadline(request.raw, reply.raw, requestTimeoutMs);
    void reply.header('x-content-type-options', 'nosniff').header('cache-control', 'no-store');
    if (shutdown.draining) void reply.header('connection', 'close');
    if (!request.url.includes('%00')) return done();
    void reply.code(400).send(nulInUrl().toBody());
  });
  fastify.addHook('onResponse', (request, reply, done) => {
    metrics.record(request.routeOptions.url, request.method, reply.statusCode, reply.elapsedTime / 1000);
    done();
  });
  return (path) =>
    withHead(new Set(routes.filter((r) => r.pattern.test(path)).flatMap((r) => r.methods.map((m) => m.toUpperCase()))));
}

/**
 * What Node's HTTP server decides before any framework sees the request: a whole request (headers and body) must
 * arrive within `seconds`, headers alone within as long; and what it refuses (a request timeout, headers too large,
 * bytes that are not HTTP) is answered in the one error shape, then the connection closed. A client that went away
 * (a reset) gets nothing: its socket is destroyed. Replaces Fastify's own answers, which are in another shape.
 */
function guardConnections(server: Server, seconds: number): void {
  server.requestTimeout = seconds * 1000;
  server.headersTimeout = Math.min(server.headersTimeout, seconds * 1000);
  server.removeAllListeners('clientError');
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
    const error = clientError(err);
    const inFlight = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
    if (!error || !socket.writable || inFlight?.headersSent) {
      socket.destroy();
      return;
    }
    const status = error.getStatus();
    const body = JSON.stringify(error.toBody());
    socket.end(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\ncontent-type: application/json; charset=utf-8\r\n` +
        `content-length: ${Buffer.byteLength(body)}\r\nx-content-type-options: nosniff\r\ncache-control: no-store\r\n` +
        `connection: close\r\n\r\n${body}`,
    );
    socket.once('finish', () => socket.destroy());
  });
}

function clientError(err: NodeJS.ErrnoException): ApiError | null {
  const code = err.code ?? '';
  if (code === 'ECONNRESET' || code === 'EPIPE') return null;
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT')
    return new ApiError(408, 'request_timeout', 'The request was not received in time.');
  if (code === 'HPE_HEADER_OVERFLOW')
    return new ApiError(431, 'headers_too_large', 'The request headers are too large.');
  return ApiError.badRequest('bad_request', 'The request is not valid HTTP.');
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
