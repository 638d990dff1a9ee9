import { DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { dataSourceOptions } from './data-source-options';
import { TypeOrmLogger } from './typeorm-logger';

@Module({})
export class PersistenceModule {
  /**
   * The app's TypeORM connection, from values of the app's validated config. `name` makes a second connection with a
   * pool of its own (inject it with `@InjectDataSource(name)`).
   */
  static forRoot(options: { url: string; applicationName: string; poolSize?: number; name?: string }): DynamicModule {
    return {
      module: PersistenceModule,
      imports: [
        TypeOrmModule.forRoot({
          ...dataSourceOptions(options.url, { poolSize: options.poolSize, applicationName: options.applicationName }),
          ...(options.name ? { name: options.name } : {}),
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
