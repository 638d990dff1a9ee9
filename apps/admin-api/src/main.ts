import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { loadConfigOrExit } from '@gateway/config';
import { configureHttpApp, nestLogLevels } from '@gateway/http';
import { AdminApiConfig } from './admin-api.config';
import { AppModule } from './app.module';

async function bootstrap(): Promise<void> {
  const config = loadConfigOrExit(AdminApiConfig, 'admin-api');
  const app = await NestFactory.create(AppModule.forConfig(config), { logger: nestLogLevels(config.LOG_LEVEL) });
  configureHttpApp(app);

  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('POS Event Gateway — Admin API')
      .setDescription(
        'Tenants, API keys, sources, endpoints, events and deliveries. Authenticate with `Authorization: Bearer <key>`.',
      )
      .setVersion('1')
      .addBearerAuth()
      .build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });

  await app.listen(config.ADMIN_API_PORT, '0.0.0.0');
}

void bootstrap();
