import { DynamicModule, Module } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { dataSourceOptions } from '@gateway/persistence';
import { AdminApiConfig } from '../admin-api.config';
import { IdempotencyInterceptor } from './idempotency.interceptor';
import { IDEMPOTENCY_CONNECTION, IdempotencyRepository } from './idempotency.repository';
import { IdempotencyService } from './idempotency.service';

/**
 * Idempotency-Key on every POST. Its connection pool is its own: a claimed key holds a connection for as long as its
 * request runs, and must never starve the handlers of theirs.
 */
const IDEMPOTENCY_POOL_SIZE = 16;

@Module({})
export class IdempotencyModule {
  static forConfig(config: AdminApiConfig): DynamicModule {
    return {
      module: IdempotencyModule,
      imports: [
        TypeOrmModule.forRoot({
          ...dataSourceOptions(config.DATABASE_URL, {
            poolSize: IDEMPOTENCY_POOL_SIZE,
            applicationName: 'admin-api idempotency',
          }),
          name: IDEMPOTENCY_CONNECTION,
          entities: [],
          migrations: [],
          retryAttempts: 2,
          retryDelay: 1000,
        }),
      ],
      providers: [
        IdempotencyRepository,
        IdempotencyService,
        { provide: APP_INTERCEPTOR, useClass: IdempotencyInterceptor },
      ],
    };
  }
}
