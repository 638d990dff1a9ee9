import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError } from './api-error';

/** Whether the service is shutting down: every answer then closes its keep-alive connection. */
export interface Draining {
  draining: boolean;
}

/**
 * Writes a JSON answer with the front door's headers (nosniff, no-store), for the answers Node's server sends itself
 * (a direct route's, the body deadline's 408); `headers` add to them or override them (`connection: close`).
 */
export function writeJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
  sent?: () => void,
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'x-content-type-options': 'nosniff',
    'cache-control': 'no-store',
    ...headers,
  });
  res.end(text, sent);
}

/**
 * A request whose body has not fully arrived `ms` after its headers gets 408 in the one error shape, and its
 * connection is closed. Node's own request timeout is only checked every 30 s (and answers outside the shape); this
 * one is exact. Cleared as soon as the body is complete or an answer is sent.
 */
export function bodyDeadline(req: IncomingMessage, res: ServerResponse, ms: number): void {
  if (req.complete) return;
  const timer = setTimeout(() => {
    if (req.complete || res.headersSent) return;
    const error = new ApiError(408, 'request_timeout', `The request body did not arrive within ${ms / 1000} s.`);
    writeJson(res, 408, error.toBody(), { connection: 'close' }, () => req.destroy());
  }, ms);
  const clear = () => clearTimeout(timer);
  req.once('end', clear);
  res.once('close', clear);
}

/**
 * A NUL character (`%00`) in the path or the query string: no id or filter holds one, and PostgreSQL refuses it in
 * text, which surfaced as a 500 (`GET /v1/tenants/%00`). Refused before any handler, for every route of every
 * service, in the one error shape.
 */
export function nulInUrl(): ApiError {
  return ApiError.badRequest(
    'invalid_url',
    'The request URL contains a NUL character (%00), which no id or filter can hold.',
  );
}
