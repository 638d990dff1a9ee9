import { DynamicModule, Module } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { PersistenceModule } from '@gateway/persistence';
import { AdminApiConfig } from '../admin-api.config';
import { IdempotencyInterceptor } from './idempotency.interceptor';
import { IDEMPOTENCY_CONNECTION, IdempotencyRepository } from './idempotency.repository';
import { IdempotencyService } from './idempotency.service';

const IDEMPOTENCY_POOL_SIZE = 16;

/**
 * Idempotency-Key on every POST. Its connection pool is its own: a claimed key holds a connection for as long as its
 * request runs, and must never starve the handlers of theirs.
 */
@Module({})
export class IdempotencyModule {
  static forConfig(config: AdminApiConfig): DynamicModule {
    return {
      module: IdempotencyModule,
      imports: [
        PersistenceModule.forRoot({
          url: config.DATABASE_URL,
          applicationName: 'admin-api idempotency',
          poolSize: IDEMPOTENCY_POOL_SIZE,
          name: IDEMPOTENCY_CONNECTION,
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
