import { HttpException } from '@nestjs/common';
import { ErrorBody, FieldError } from '@gateway/contracts';

/** Throw this anywhere behind a controller: the filter turns it into the one error shape. */
export class ApiError extends HttpException {
  constructor(
    status: number,
    readonly code: string,
    message: string,
    readonly details?: FieldError[],
    readonly headers: Record<string, string> = {},
  ) {
    super(message, status);
  }

  toBody(): ErrorBody {
    return {
      error: {
        status: this.getStatus(),
        code: this.code,
        message: this.message,
        ...(this.details ? { details: this.details } : {}),
      },
    };
  }

  static badRequest(code: string, message: string, details?: FieldError[]) {
    return new ApiError(400, code, message, details);
  }
  static validation(details: FieldError[], message = 'The request is invalid: see details for each field.') {
    return new ApiError(400, 'validation_failed', message, details);
  }
  static unauthorized(message = 'Missing or invalid credentials.') {
    return new ApiError(401, 'unauthorized', message);
  }
  static forbidden(message: string) {
    return new ApiError(403, 'forbidden', message);
  }
  static notFound(what: string) {
    return new ApiError(404, 'not_found', `${what} not found.`);
  }
  static conflict(code: string, message: string) {
    return new ApiError(409, code, message);
  }
  static tooManyRequests(retryAfterSeconds: number, message = 'Too many requests.') {
    return new ApiError(429, 'rate_limited', message, undefined, { 'retry-after': String(retryAfterSeconds) });
  }
  /**
   * A service could not confirm, within CONFIG_FRESHNESS_TIMEOUT_MS, that it has applied every configuration change
   * published before the request (Kafka or PostgreSQL unreachable): it decides nothing rather than decide on old
   * configuration.
   */
  static configNotCurrent(cause: Error) {
    return Object.assign(
      ApiError.unavailable(
        'The gateway cannot confirm that its configuration is current; nothing was accepted. Retry shortly.',
      ),
      { cause },
    );
  }
  static unavailable(message: string, retryAfterSeconds = 1) {
    return new ApiError(503, 'unavailable', message, undefined, { 'retry-after': String(retryAfterSeconds) });
  }
}
