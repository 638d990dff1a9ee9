import { INestApplication } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { ErrorFilter } from './error.filter';
import { HttpMetricsMiddleware } from './metrics.module';
import { createValidationPipe } from './validation';

/** What every HTTP service sets up the same way: one error shape, strict validation, graceful shutdown. */
export function configureHttpApp(app: INestApplication): void {
  const metrics = app.get(HttpMetricsMiddleware, { strict: false });
  app.use((req: Request, res: Response, next: NextFunction) => metrics.use(req, res, next));
  app.useGlobalFilters(new ErrorFilter());
  app.useGlobalPipes(createValidationPipe());
  app.enableShutdownHooks();
  const server = app.getHttpAdapter().getInstance() as {
    disable?: (name: string) => void;
    set?: (k: string, v: unknown) => void;
  };
  server.disable?.('x-powered-by');
  server.set?.('query parser', 'simple');
}
