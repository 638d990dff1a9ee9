import {
  ArgumentsHost,
  Catch,
  ExceptionFilter,
  HttpException,
  HttpServer,
  Logger,
  NotFoundException,
} from '@nestjs/common';
import { ErrorBody } from '@gateway/contracts';
import { ApiError } from './api-error';
import type { HttpMetrics } from './metrics.module';

/** The code of the error raised when a client goes away while its request is read (see `readRawBody`). */
export const CLIENT_CLOSED = 'client_closed_request';

const CODES: Record<number, string> = {
  400: 'bad_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  409: 'conflict',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  429: 'rate_limited',
  503: 'unavailable',
};

/**
 * Every error of every HTTP API leaves through here, in one shape. Unexpected errors never leak details. It answers
 * through the app's HTTP adapter, so it serves Express and Fastify services alike.
 */
@Catch()
export class ErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('HTTP');

  constructor(
    private readonly http: HttpServer,
    private readonly metrics?: HttpMetrics,
    /** The methods a path's routes answer, to tell a wrong method (405) from a wrong path (404). */
    private readonly methodsOf?: (path: string) => string[],
  ) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const res: unknown = host.switchToHttp().getResponse();
    if (this.http.isHeadersSent(res)) return; // answered already (e.g. 408 at the body deadline)
    if (exception instanceof ApiError && exception.code === CLIENT_CLOSED) {
      // Costs the client nothing to cause: counted, and logged at debug only. Nobody is there to answer.
      this.metrics?.recordAbort();
      this.logger.debug(exception.message);
      return;
    }
    if (exception instanceof NotFoundException) exception = this.noRoute(host);
    const { status, body, headers } = errorResponse(exception, this.logger);
    for (const [name, value] of Object.entries(headers)) this.http.setHeader(res, name, value);
    // After a 413 the rest of the body is not read: the connection closes once the answer is sent.
    if (status === 413) this.http.setHeader(res, 'connection', 'close');
    this.http.reply(res, body, status);
  }

  /** The framework found no route: 405 naming the allowed methods if the path has routes, else 404. */
  private noRoute(host: ArgumentsHost): ApiError {
    const { method, url } = host.switchToHttp().getRequest<{ method: string; url: string }>();
    const path = url.split('?')[0]!;
    const allowed = this.methodsOf?.(path) ?? [];
    if (allowed.length) {
      const message = `${method} is not allowed on ${path}: use ${allowed.join(', ')}.`;
      return new ApiError(405, 'method_not_allowed', message, undefined, { allow: allowed.join(', ') });
    }
    return new ApiError(404, 'not_found', `No route ${method} ${path}.`);
  }
}

/**
 * What an error is answered with, in the one shape: an ApiError as it says, Nest's HTTP exceptions and body-parser
 * errors by their status, anything else a 500 that is logged and leaks nothing. (ErrorFilter's, and the direct
 * routes', see direct-routes.ts.)
 */
export function errorResponse(
  exception: unknown,
  logger: Logger,
): { status: number; body: ErrorBody; headers: Record<string, string> } {
  if (exception instanceof ApiError) {
    return { status: exception.getStatus(), body: exception.toBody(), headers: exception.headers };
  }
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    const response = exception.getResponse();
    const message =
      typeof response === 'object' && response && 'message' in response && typeof response.message === 'string'
        ? response.message
        : exception.message;
    return { status, body: { error: { status, code: CODES[status] ?? 'error', message } }, headers: {} };
  }
  // Body-parser errors (express) carry a status and a type.
  const err = exception as { status?: number; type?: string; message?: string };
  if (typeof err?.status === 'number' && err.status >= 400 && err.status < 500) {
    const message =
      err.type === 'entity.too.large'
        ? 'The request body is too large.'
        : err.type === 'entity.parse.failed'
          ? 'The request body is not valid JSON.'
          : 'The request could not be read.';
    return {
      status: err.status,
      body: { error: { status: err.status, code: CODES[err.status] ?? 'bad_request', message } },
      headers: {},
    };
  }
  logger.error(exception instanceof Error ? (exception.stack ?? exception.message) : String(exception));
  return {
    status: 500,
    body: { error: { status: 500, code: 'internal_error', message: 'Internal error.' } },
    headers: {},
  };
}
