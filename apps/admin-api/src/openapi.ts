import { INestApplication } from '@nestjs/common';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';

/** The OpenAPI document, generated from the controllers and DTOs (served at /docs and /docs-json). */
export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  return SwaggerModule.createDocument(
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
      .addBearerAuth()
      .build(),
  );
}

export function serveOpenApi(app: INestApplication): void {
  SwaggerModule.setup('docs', app, buildOpenApiDocument(app), { jsonDocumentUrl: 'docs-json' });
}
