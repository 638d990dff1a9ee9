import type { FastifyReply, FastifyServerOptions } from 'fastify';
import { ApiError } from './api-error';
import type { DirectRoutes } from './direct-routes';

/**
 * Fastify's options for a gateway service, so that it answers as the Express services do: paths match whatever
 * their case and with a trailing slash, and a URL that is not validly percent-encoded gets a 400 in the one error shape rather than Fastify's own.
 * `direct`: routes Node's server answers before Fastify (see DirectRoutes).
 */
export function gatewayFastifyOptions(direct?: DirectRoutes): FastifyServerOptions {
  return {
    ...(direct ? { serverFactory: (handler, options) => direct.serverFactory(handler, options) } : {}),
    routerOptions: { caseSensitive: false, ignoreTrailingSlash: true },
    frameworkErrors: (_error, _request, reply) => {
      const error = ApiError.badRequest('invalid_url', 'The request URL is not validly percent-encoded.');
      void (reply as FastifyReply).code(400).send(error.toBody());
    },
  };
}
