import {
  Controller,
  DynamicModule,
  Get,
  Global,
  HttpCode,
  Injectable,
  Module,
  Provider,
  Res,
  SetMetadata,
} from '@nestjs/common';

export interface HealthCheck {
  name: string;
  check: () => Promise<boolean> | boolean;
}

/** Marks a route that needs no credentials; every app's auth guard honours it. */
export const PUBLIC_ROUTE = 'gateway:public-route';
export const PublicRoute = () => SetMetadata(PUBLIC_ROUTE, true);

/** The checks behind `/health/ready`, registered by each app (see `healthChecks`). */
@Injectable()
export class HealthRegistry {
  private readonly checks: HealthCheck[] = [];

  add(...checks: HealthCheck[]): void {
    this.checks.push(...checks);
  }

  async run(): Promise<Array<[string, 'ok' | 'failing']>> {
    return Promise.all(
      this.checks.map(async ({ name, check }): Promise<[string, 'ok' | 'failing']> => {
        try {
          return [name, (await check()) ? 'ok' : 'failing'];
        } catch {
          return [name, 'failing'];
        }
      }),
    );
  }
}

/**
 * `/health/live`: the process is up (for restarts). `/health/ready`: every dependency check passes (for traffic):
 * Kafka and Postgres connections, and whatever the service adds (caches loaded, consumers joined).
 */
@PublicRoute()
@Controller('health')
class HealthController {
  constructor(private readonly registry: HealthRegistry) {}

  @Get('live')
  @HttpCode(200)
  live() {
    return { status: 'ok' };
  }

  /** `status` is Express's response's and Fastify's reply's alike. */
  @Get('ready')
  async ready(@Res({ passthrough: true }) res: { status(code: number): unknown }) {
    const results = await this.registry.run();
    const ok = results.every(([, state]) => state === 'ok');
    res.status(ok ? 200 : 503);
    return { status: ok ? 'ok' : 'unavailable', checks: Object.fromEntries(results) };
  }
}

@Global()
@Module({})
export class HealthModule {
  static forRoot(): DynamicModule {
    return {
      module: HealthModule,
      controllers: [HealthController],
      providers: [HealthRegistry],
      exports: [HealthRegistry],
    };
  }
}

let registrations = 0;

/** A provider (put it in the app module) that registers checks built from injected dependencies. */
export function healthChecks<Deps extends unknown[]>(
  inject: { [K in keyof Deps]: unknown },
  factory: (...deps: Deps) => HealthCheck[],
): Provider {
  return {
    provide: `gateway:health-checks:${++registrations}`,
    inject: [HealthRegistry, ...(inject as unknown[])] as never[],
    useFactory: (registry: HealthRegistry, ...deps: Deps) => {
      registry.add(...factory(...deps));
      return true;
    },
  };
}
