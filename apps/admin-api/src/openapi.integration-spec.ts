import { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { SecretBox } from '@gateway/security';
import { testInfra } from '@gateway/testing';
import { AdminApiConfig } from './admin-api.config';
import { AppModule } from './app.module';
import { buildOpenApiDocument } from './openapi';

type RouterLayer = { route?: { path: string; methods: Record<string, boolean> } };

/** Every route the app serves is in the OpenAPI document (health and metrics excepted), read from the app itself. */
describe('admin-api OpenAPI document', () => {
  jest.setTimeout(60_000);
  let app: INestApplication;

  beforeAll(async () => {
    const { databaseUrl, kafkaBrokers } = testInfra();
    const config = Object.assign(new AdminApiConfig(), {
      DATABASE_URL: databaseUrl,
      KAFKA_BROKERS: kafkaBrokers.split(','),
      GATEWAY_OPERATOR_KEY: 'op_openapi_test_key_0123456789',
      GATEWAY_ENCRYPTION_KEY: SecretBox.generateKey(),
    });
    app = await NestFactory.create(AppModule.forConfig(config), { logger: false });
    await app.init();
  });

  afterAll(() => app.close());

  it('documents every route', () => {
    const express = app.getHttpAdapter().getInstance() as { router: { stack: RouterLayer[] } };
    const served = express.router.stack
      .filter((layer) => layer.route)
      .flatMap((layer) =>
        Object.keys(layer.route!.methods).map(
          (m) => `${m.toUpperCase()} ${layer.route!.path.replace(/:(\w+)/g, '{$1}')}`,
        ),
      )
      .filter((route) => !/ \/(health|metrics)/.test(route));
    const paths = buildOpenApiDocument(app).paths as Record<string, Record<string, unknown>>;
    const documented = Object.entries(paths).flatMap(([path, methods]) =>
      Object.keys(methods).map((m) => `${m.toUpperCase()} ${path}`),
    );
    expect(served.length).toBeGreaterThan(30);
    expect(served.filter((route) => !documented.includes(route))).toEqual([]);
  });
});
