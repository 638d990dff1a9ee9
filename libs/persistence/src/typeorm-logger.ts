import { Logger } from '@nestjs/common';
import type { Logger as TypeOrmLoggerContract } from 'typeorm';

/** Longest query text a log line carries. */
const MAX_QUERY = 400;

/**
 * TypeORM's messages through the service's own logger (structured JSON, with the ids of the work in progress)
 * instead of TypeORM's coloured console output. Failed and slow queries are logged with their SQL only: parameters
 * carry customers' data and sealed secrets, and never reach a log line.
 */
export class TypeOrmLogger implements TypeOrmLoggerContract {
  private readonly logger = new Logger('TypeORM');

  logQuery(): void {
    // Every query at debug level would drown the logs; failures and slow queries are what operators need.
  }

  logQueryError(error: string | Error, query: string): void {
    const message = typeof error === 'string' ? error : error.message;
    this.logger.warn(`query failed: ${message} (${oneLine(query)})`);
  }

  logQuerySlow(time: number, query: string): void {
    this.logger.warn(`slow query: ${time} ms (${oneLine(query)})`);
  }

  logSchemaBuild(message: string): void {
    this.logger.debug(message);
  }

  logMigration(message: string): void {
    this.logger.log(message);
  }

  log(level: 'log' | 'info' | 'warn', message: unknown): void {
    if (level === 'warn') this.logger.warn(String(message));
    else this.logger.debug(String(message));
  }
}

function oneLine(query: string): string {
  const text = query.replace(/\s+/g, ' ').trim();
  return text.length > MAX_QUERY ? `${text.slice(0, MAX_QUERY)}…` : text;
}
