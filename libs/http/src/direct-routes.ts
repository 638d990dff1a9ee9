import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';
import { parse as parseQuery } from 'node:querystring';
import { Logger } from '@nestjs/common';
import { ApiError } from './api-error';
import { CLIENT_CLOSED, errorResponse } from './error.filter';
import { Draining, bodyDeadline, nulInUrl, writeJson } from './front-door';
import type { HttpMetrics } from './metrics.module';

/** A request to a direct route: its path's parameters (percent-decoded), its query, headers and Node's request. */
export interface DirectRequest {
  params: Record<string, string>;
  query: Record<string, unknown>;
  headers: IncomingMessage['headers'];
  raw: IncomingMessage;
}

/** A direct route's answer: sent as JSON. Errors are thrown (an ApiError) and answered in the one error shape. */
export interface DirectAnswer {
  status: number;
  body: unknown;
}

/** A route Node's HTTP server answers itself, ahead of the framework (see DirectRoutes). */
export interface DirectRoute {
  readonly method: string;
  /**
   * The route's template, as a framework route is written (`/v1/ingest/:provider/:sourceId`): matched whatever its
   * case and with a trailing slash, like the framework's routes, and the label of its request metrics.
   */
  readonly path: string;
  handle(request: DirectRequest): Promise<DirectAnswer>;
}

/** What the front door of every route does, handed over by configureHttpApp (see `open`). */
export interface FrontDoorSettings {
  metrics?: HttpMetrics;
  shutdown: Draining;
  requestTimeoutMs: number;
}

interface Compiled {
  route: DirectRoute;
  method: string;
  pattern: RegExp;
  names: string[];
}

/**
 * The routes a service answers straight from Node's HTTP server, before Fastify and Nest see the request: for a path
 * whose cost per request sets the service's capacity. Ingest's intake is the one: Fastify's handling of each request
 * (Nest's router on top of it cost next to nothing) was a third of ingest's CPU per accepted event
 * (bench/results/levers.md, "The intake route ahead of the framework"). What the front door does for every other route
 * is done here the same way: the nosniff and no-store headers, a closed connection while draining, the body deadline
 * (408), a NUL in the URL refused, a badly percent-encoded parameter refused (400 `invalid_url`), request metrics by
 * route template, and errors in the one shape (ErrorFilter's `errorResponse`). Any other method or path goes on to
 * the framework, which also answers 405 (naming the direct route's method) for another method on its path.
 *
 * Made before the app (the server is created with Fastify: `gatewayFastifyOptions(direct)`), filled once the app is
 * built (`add`), opened by configureHttpApp; until then every request goes to the framework.
 */
export class DirectRoutes {
  private readonly logger = new Logger('HTTP');
  private readonly routes: Compiled[] = [];
  private door?: FrontDoorSettings;

  add(route: DirectRoute): this {
    const names: string[] = [];
    const source = route.path
      .replace(/\/$/, '')
      .split('/')
      .map((segment) => {
        if (!segment.startsWith(':')) return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
        names.push(segment.slice(1));
        return '([^/]+)';
      })
      .join('/');
    this.routes.push({ route, method: route.method.toUpperCase(), pattern: new RegExp(`^${source}/?$`, 'i'), names });
    return this;
  }

  /** Called by configureHttpApp: from now on the direct routes are answered. */
  open(door: FrontDoorSettings): void {
    this.door = door;
  }

  /** The methods the direct routes answer on a path (for the framework's 405). */
  methodsOf(path: string): string[] {
    return this.routes.filter((r) => r.pattern.test(path)).map((r) => r.method);
  }

  /** Fastify's `serverFactory`: a Node HTTP server that answers the direct routes and hands the rest to `framework`. */
  serverFactory(
    framework: RequestListener,
    options: { keepAliveTimeout?: number; connectionTimeout?: number },
  ): Server {
    const server = createServer((req, res) => {
      if (!this.answer(req, res)) framework(req, res);
    });
    // What Fastify sets on the server it makes itself.
    if (options.keepAliveTimeout) server.keepAliveTimeout = options.keepAliveTimeout;
    server.setTimeout(options.connectionTimeout ?? 0);
    return server;
  }

  /** Answers the request if it is a direct route's (true), or leaves it alone (false). */
  private answer(req: IncomingMessage, res: ServerResponse): boolean {
    const door = this.door;
    if (!door || !this.routes.length) return false;
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    // An absolute-form target (`POST http://host/v1/…`) names its path after the authority (as Fastify's router
    // reads it).
    let path = q < 0 ? url : url.slice(0, q);
    if (path.charCodeAt(0) !== 0x2f) path = path.replace(ABSOLUTE_FORM, '/');
    for (const compiled of this.routes) {
      if (compiled.method !== req.method) continue;
      const match = compiled.pattern.exec(path);
      if (!match) continue;
      // (serve answers every error itself; this catch only keeps a bug there from crashing the process.)
      this.serve(compiled, match, q < 0 ? '' : url.slice(q + 1), req, res, door).catch((err: Error) => {
        this.logger.error(`${compiled.route.path}: ${err.stack ?? err.message}`);
        if (res.headersSent) return;
        try {
          send(res, 500, INTERNAL_ERROR, { connection: 'close' }, door);
        } catch {
          res.destroy();
        }
      });
      return true;
    }
    return false;
  }

  private async serve(
    { route, method, names }: Compiled,
    match: RegExpExecArray,
    search: string,
    req: IncomingMessage,
    res: ServerResponse,
    door: FrontDoorSettings,
  ): Promise<void> {
    const started = process.hrtime.bigint();
    bodyDeadline(req, res, door.requestTimeoutMs);
    res.once('finish', () =>
      door.metrics?.record(route.path, method, res.statusCode, Number(process.hrtime.bigint() - started) / 1e9),
    );
    let answer: DirectAnswer;
    try {
      if (req.url!.includes('%00')) throw nulInUrl();
      const params: Record<string, string> = {};
      names.forEach((name, i) => (params[name] = decodeParam(match[i + 1]!)));
      answer = await route.handle({
        params,
        query: parseQuery(search, '&', '=', { maxKeys: 0 }),
        headers: req.headers,
        raw: req,
      });
    } catch (exception) {
      if (res.headersSent) return; // answered already (408 at the body deadline)
      if (exception instanceof ApiError && exception.code === CLIENT_CLOSED) {
        // As ErrorFilter: counted, logged at debug only; nobody is there to answer.
        door.metrics?.recordAbort();
        this.logger.debug(exception.message);
        return;
      }
      const { status, body, headers } = errorResponse(exception, this.logger);
      // After a 413 the rest of the body is not read: the connection closes once the answer is sent.
      send(res, status, body, status === 413 ? { ...headers, connection: 'close' } : headers, door);
      return;
    }
    if (!res.headersSent) send(res, answer.status, answer.body, {}, door);
  }
}

/** `http://host` or `https://host` before the path of an absolute-form request target. */
const ABSOLUTE_FORM = /^https?:\/\/[^/]*\/?/i;

const INTERNAL_ERROR = { error: { status: 500, code: 'internal_error', message: 'Internal error.' } };

function decodeParam(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw ApiError.badRequest('invalid_url', 'The request URL is not validly percent-encoded.');
  }
}

function send(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string>,
  door: FrontDoorSettings,
): void {
  writeJson(res, status, body, door.shutdown.draining ? { connection: 'close', ...headers } : headers);
}
