import { INestApplication } from '@nestjs/common';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';

/**
 * The OpenAPI document, generated from the controllers and DTOs (served at /docs and /docs-json). `publicUrl` is
 * where partners reach the API (GATEWAY_PUBLIC_ADMIN_URL), its one server. Health and metrics are operators'
 * routes, not the API: left out.
 */
export function buildOpenApiDocument(app: INestApplication, publicUrl = 'http://localhost:3000'): OpenAPIObject {
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('POS Event Gateway — Admin API')
      .setDescription(
        [
          'Tenants, API keys, sources, endpoints, events, deliveries and replays.',
          '',
          'Authenticate with `Authorization: Bearer <key>`: the operator key manages tenants and their keys; a tenant API key acts within its tenant, limited by its scopes.',
          'Errors always have the shape `{"error": {"status", "code", "message", "details?": [{"field", "reason"}]}}`: 400 names each bad field, 401 means missing or invalid credentials, 403 a missing scope, 404 also answers for other tenants\' ids, 429 carries `Retry-After`.',
          'Lists take `?limit=&cursor=` and answer `{"data": [...], "nextCursor": "…" | null}`.',
        ].join('\n'),
      )
      .setVersion('1')
      .addServer(publicUrl.replace(/\/+$/, ''))
      .addBearerAuth({
        type: 'http',
        scheme: 'bearer',
        bearerFormat: 'API key (gw_live_…; the operator key op_…)',
        description: 'An opaque API key, not a JWT.',
      })
      .build(),
  );
  for (const path of Object.keys(document.paths)) if (/^\/health(\/|$)/.test(path)) delete document.paths[path];
  return document;
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
