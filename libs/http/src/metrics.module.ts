import { Controller, DynamicModule, Get, Global, Injectable, Module, Res } from '@nestjs/common';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { PublicRoute } from './health.module';

/** The service's Prometheus registry: default process metrics plus whatever the service registers. */
@Injectable()
export class MetricsRegistry extends Registry {}

@PublicRoute()
@Controller('metrics')
class MetricsController {
  constructor(private readonly registry: MetricsRegistry) {}

  /** `header` is Express's response's and Fastify's reply's alike. */
  @Get()
  async metrics(@Res({ passthrough: true }) res: { header(name: string, value: string): unknown }): Promise<string> {
    res.header('content-type', this.registry.contentType);
    return this.registry.metrics();
  }
}

/**
 * HTTP requests by route template (never the raw path: ids would explode cardinality), method and status. Each HTTP
 * platform calls `record` once per answered request (see `configure-app.ts`).
 */
@Injectable()
export class HttpMetrics {
  private readonly requests: Counter<'route' | 'method' | 'status'>;
  private readonly duration: Histogram<'route' | 'method'>;

  constructor(registry: MetricsRegistry) {
    this.requests = new Counter({
      name: 'http_requests_total',
      help: 'HTTP requests by route, method and status',
      labelNames: ['route', 'method', 'status'],
      registers: [registry],
    });
    this.duration = new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request duration by route and method',
      labelNames: ['route', 'method'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    });
  }

  /** `route` is the matched route's template, or undefined when no route matched. */
  record(route: string | undefined, method: string, status: number, seconds: number): void {
    const labels = { route: route ?? 'unmatched', method };
    this.requests.inc({ ...labels, status: String(status) });
    this.duration.observe(labels, seconds);
  }
}

@Global()
@Module({})
export class MetricsModule {
  static forRoot(service: string): DynamicModule {
    const registry = new MetricsRegistry();
    registry.setDefaultLabels({ service });
    collectDefaultMetrics({ register: registry });
    return {
      module: MetricsModule,
      controllers: [MetricsController],
      providers: [{ provide: MetricsRegistry, useValue: registry }, HttpMetrics],
      exports: [MetricsRegistry, HttpMetrics],
    };
  }
}
