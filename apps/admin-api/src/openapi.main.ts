import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { AdminApiConfig } from './admin-api.config';
import { AppModule } from './app.module';
import { buildOpenApiDocument } from './openapi';

/**
 * Prints the admin API's OpenAPI document — the one /docs-json serves — without a database or a broker: Nest's
 * preview mode reads the controllers and DTOs without starting a provider. `npm run api:types` makes the console's
 * API types from it. GATEWAY_PUBLIC_ADMIN_URL sets its server, as in the service.
 */
async function main(): Promise<void> {
  const config = Object.assign(new AdminApiConfig(), {
    GATEWAY_PUBLIC_ADMIN_URL: process.env['GATEWAY_PUBLIC_ADMIN_URL'] ?? new AdminApiConfig().GATEWAY_PUBLIC_ADMIN_URL,
  });
  const app = await NestFactory.create(AppModule.forConfig(config), { preview: true, logger: false });
  process.stdout.write(`${JSON.stringify(buildOpenApiDocument(app, config.GATEWAY_PUBLIC_ADMIN_URL), null, 2)}\n`);
  await app.close();
}

main().catch((err: Error) => {
  process.stderr.write(`${err.stack ?? err.message}\n`);
  process.exit(1);
});
