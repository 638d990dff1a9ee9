import { INestApplication, Type } from '@nestjs/common';
import { ModulesContainer } from '@nestjs/core';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { documentIdempotency } from './idempotency/idempotency.openapi';
import { describeRequestDefaults } from './common/openapi-request-defaults';
import { ACCESS_KEY, PORTAL_KEY, type Access, type PortalRule } from './auth/auth.decorators';
import { PUBLIC_ROUTE } from '@gateway/http';
import { errorResponse } from './common/api-doc';
import { declareConstraints, type Handler } from './common/openapi-constraints';

/** The tags, in the order the reference shows them; each controller uses one. */
const TAGS: Array<[name: string, description: string]> = [
  ['Tenants', 'The merchants on the gateway. Operator key only.'],
  ['API keys', "A tenant's API keys and their scopes."],
  ['Account', "The calling key's own tenant: its name and how long its data is kept."],
  ['Sources', 'Provider accounts that send events (Kaynko, DigiTax, Qerko): their ingest URLs and secrets.'],
  ['Endpoints', 'The HTTPS receivers events are delivered to: subscriptions, signing secrets, tests and health.'],
  ['Event types', 'Every event type, with the JSON Schema of its data.'],
  ['Events', 'What the providers sent, verified, validated and stored.'],
  ['Deliveries', 'Each event sent to each subscribed endpoint, with its attempts; retried on demand.'],
  ['Replays', 'A window of events sent again to one endpoint.'],
  ['Qerko', "Qerko's requests through the merchant's POS, with their timelines."],
  ['Portal', "Console links for one tenant's merchant: limited to its endpoints, optionally read-only, no API key."],
];

/**
 * The OpenAPI document, generated from the controllers and DTOs (served at /docs and /docs-json). `publicUrl` is
 * where partners reach the API (GATEWAY_PUBLIC_ADMIN_URL), its one server. Health and metrics are operators'
 * routes, not the API: left out.
 */
export function buildOpenApiDocument(app: INestApplication, publicUrl = 'http://localhost:3000'): OpenAPIObject {
  const server = publicUrl.replace(/\/+$/, '');
  const handlers = new Map<string, [controller: string, method: string]>();
  const builder = new DocumentBuilder()
    .setTitle('POS Event Gateway — Admin API')
    .setDescription(
      [
        'Tenants, API keys, sources, endpoints, events, deliveries and replays.',
        '',
        "Authenticate with `Authorization: Bearer <key>`: the operator key manages tenants and their keys; a tenant API key acts within its tenant, limited by its scopes; a portal session's access token (`gw_portal_…`, from a portal link) sees only its tenant's listed endpoints, their deliveries and events.",
        'Errors always have the shape `{"error": {"status", "code", "message", "details?": [{"field", "reason"}]}}`: 400 names each bad field, 401 means missing or invalid credentials, 403 a missing scope, 404 also answers for other tenants\' ids, 429 carries `Retry-After`.',
        'Lists take `?limit=&cursor=` and answer `{"data": [...], "nextCursor": "…" | null}`.',
      ].join('\n'),
    )
    .setVersion('1')
    .addServer(server)
    .addBearerAuth({
      type: 'http',
      scheme: 'bearer',
      bearerFormat: 'API key (gw_live_…; the operator key op_…; a portal access token gw_portal_…)',
      description: 'An opaque API key, not a JWT.',
    });
  for (const [name, description] of TAGS) builder.addTag(name, description);
  const config = builder.build();
  // Who runs this gateway answers for it; the reference is where partners find it. Not open source.
  config.info.contact = { name: 'POS Event Gateway', url: `${server}/docs` };
  config.info.license = { name: 'Proprietary' };
  const document = SwaggerModule.createDocument(app, config, {
    // `endpoints_rotateSecret`: what generated clients name their methods after (not `EndpointsController_…`).
    operationIdFactory: (controller, method) => {
      const id = operationName(controller, method);
      handlers.set(id, [controller, method]);
      return id;
    },
    // A link is named after the operation it leads to, as that operation is.
    linkNameFactory: operationName,
  });
  for (const path of Object.keys(document.paths)) if (/^\/health(\/|$)/.test(path)) delete document.paths[path];
  const handlerOf = resolveHandlers(app, handlers);
  describeAccess(document, handlerOf);
  declareConstraints(document, handlerOf);
  declareBodyErrors(document);
  documentIdempotency(document);
  describeRequestDefaults(document);
  return document;
}

/**
 * What a request with a body is refused for before any handler sees it (libs/http): too large, not JSON — on every
 * POST, PUT and PATCH, the ones that take no body included (a client may still send one).
 */
function declareBodyErrors(document: OpenAPIObject): void {
  for (const item of Object.values(document.paths)) {
    for (const operation of [item.post, item.put, item.patch]) {
      if (!operation) continue;
      for (const code of [413, 415]) {
        operation.responses[code] ??= {
          ...errorResponse(code),
          content: { 'application/json': { schema: { $ref: '#/components/schemas/ErrorResponse' } } },
        };
      }
    }
  }
}

/** `EndpointsController.rotateSecret` → `endpoints_rotateSecret`. */
function operationName(controller: string, method: string): string {
  return `${controller[0]!.toLowerCase()}${controller.slice(1).replace(/Controller$/, '')}_${method}`;
}

/** Each operation's controller class and method, by operationId. */
function resolveHandlers(
  app: INestApplication,
  handlers: Map<string, [controller: string, method: string]>,
): (operationId: string | undefined) => Handler {
  const controllers = new Map<string, Type<unknown>>();
  for (const module of app.get(ModulesContainer).values())
    for (const wrapper of module.controllers.values())
      if (wrapper.metatype) controllers.set(wrapper.metatype.name, wrapper.metatype as Type<unknown>);
  return (operationId) => {
    const [controllerName, method] = handlers.get(operationId ?? '') ?? [];
    const controller = controllers.get(controllerName ?? '');
    if (!controller || !method) throw new Error(`${operationId}: no controller method found for the reference`);
    return { controller, method };
  };
}

/**
 * Ends every operation's description with the key it needs, read from the same access rule the AuthGuard enforces
 * (auth.decorators.ts), so the reference cannot say one thing while the guard does another.
 */
function describeAccess(document: OpenAPIObject, handlerOf: (operationId: string | undefined) => Handler): void {
  for (const item of Object.values(document.paths)) {
    for (const operation of [item.get, item.post, item.put, item.patch, item.delete]) {
      if (!operation) continue;
      const { controller, method } = handlerOf(operation.operationId);
      const handler = (controller.prototype as Record<string, object>)[method]!;
      const access = (Reflect.getMetadata(ACCESS_KEY, handler) ?? Reflect.getMetadata(ACCESS_KEY, controller)) as
        Access | undefined;
      const open = Reflect.getMetadata(PUBLIC_ROUTE, handler) === true;
      if (!access && !open) throw new Error(`${operation.operationId}: no access rule found for the reference`);
      // A route without a key says so explicitly (an empty requirement), so no linter reads it as forgotten.
      if (open) operation.security = [];
      const key = access ? describeKey(access) : 'none: the request carries its own proof.';
      const portal = access ? describePortal(access, Reflect.getMetadata(PORTAL_KEY, handler) as PortalRule) : '';
      operation.description = [operation.description, `**Key:** ${key}${portal}`].filter(Boolean).join('\n\n');
    }
  }
}

function describeKey(access: Access): string {
  if ('portal' in access) return "a portal session's access token.";
  if ('authenticated' in access) return 'any valid key, the operator key or any tenant API key.';
  if ('tenant' in access)
    return `a tenant API key with the \`${access.scope}\` scope; it acts within that key's tenant.`;
  if (access.scope) return `the operator key, or a tenant API key with the \`${access.scope}\` scope (its own tenant).`;
  return 'the operator key.';
}

/** What a portal session's access token may do here, from the rule the AuthGuard enforces. */
function describePortal(access: Access, rule: PortalRule | undefined): string {
  if ('portal' in access || !rule) return '';
  const writes = 'scope' in access && access.scope?.endsWith(':write');
  if (rule.allEndpoints)
    return " Or a portal session's access token over all of its tenant's endpoints, not read-only.";
  const which = rule.endpoint ? ' (one of its endpoints: another answers 404)' : ' (only what its endpoints see)';
  return ` Or a portal session's access token${writes ? ', not read-only' : ''}${which}.`;
}

/**
 * The reference page's policy: Swagger UI's own scripts and styles from this origin only (its one inline style
 * block needs 'unsafe-inline' for styles; no inline script runs), calls to this API only, never framed.
 */
const DOCS_CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "object-src 'none'",
].join('; ');

export function serveOpenApi(app: INestApplication, publicUrl: string): void {
  app.use('/docs', (_req: unknown, res: { setHeader(name: string, value: string): void }, next: () => void) => {
    res.setHeader('content-security-policy', DOCS_CONTENT_SECURITY_POLICY);
    res.setHeader('referrer-policy', 'no-referrer');
    next();
  });
  SwaggerModule.setup('docs', app, buildOpenApiDocument(app, publicUrl), { jsonDocumentUrl: 'docs-json' });
}
