import { DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { dataSourceOptions } from './data-source-options';
import { TypeOrmLogger } from './typeorm-logger';

@Module({})
export class PersistenceModule {
  /** The app's TypeORM connection, from values of the app's validated config. */
  static forRoot(options: { url: string; applicationName: string; poolSize?: number }): DynamicModule {
    return {
      module: PersistenceModule,
      imports: [
        TypeOrmModule.forRoot({
          ...dataSourceOptions(options.url, { poolSize: options.poolSize, applicationName: options.applicationName }),
          logger: new TypeOrmLogger(),
          maxQueryExecutionTime: 1000,
          // Fail fast at boot instead of retrying silently for minutes.
          retryAttempts: 2,
          retryDelay: 1000,
        }),
      ],
      exports: [TypeOrmModule],
    };
  }
}
