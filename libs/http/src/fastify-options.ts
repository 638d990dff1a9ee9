import type { FastifyReply, FastifyServerOptions } from 'fastify';
import { ApiError } from './api-error';

/**
 * Fastify's options for a gateway service, so that it answers as the Express services do: paths match whatever
 * their case and with a trailing slash, and a URL that is not validly percent-encoded gets a 400 in the one error shape rather than Fastify's own.
 */
export function gatewayFastifyOptions(): FastifyServerOptions {
  return {
    routerOptions: { caseSensitive: false, ignoreTrailingSlash: true },
    frameworkErrors: (_error, _request, reply) => {
      const error = ApiError.badRequest('invalid_url', 'The request URL is not validly percent-encoded.');
      void (reply as FastifyReply).code(400).send(error.toBody());
    },
  };
}
