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

const LEVELS = ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'] as const;
const FROM_CONFIG: Record<string, (typeof LEVELS)[number]> = {
  fatal: 'fatal',
  error: 'error',
  warn: 'warn',
  info: 'log',
  debug: 'debug',
  trace: 'verbose',
};

/** Nest logger levels for the LOG_LEVEL setting (`info` → fatal, error, warn, log). */
export function nestLogLevels(level: string): Array<(typeof LEVELS)[number]> {
  return LEVELS.slice(0, LEVELS.indexOf(FROM_CONFIG[level] ?? 'log') + 1);
}
