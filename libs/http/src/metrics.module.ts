import { Controller, DynamicModule, Get, Global, Injectable, Module, NestMiddleware, Res } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { PublicRoute } from './health.module';

/** The service's Prometheus registry: default process metrics plus whatever the service registers. */
@Injectable()
export class MetricsRegistry extends Registry {}

@PublicRoute()
@Controller('metrics')
class MetricsController {
  constructor(private readonly registry: MetricsRegistry) {}

  @Get()
  async metrics(@Res() res: Response): Promise<void> {
    res.setHeader('content-type', this.registry.contentType);
    res.end(await this.registry.metrics());
  }
}

/** HTTP requests by route template (never the raw path: ids would explode cardinality), method and status. */
@Injectable()
export class HttpMetricsMiddleware implements NestMiddleware {
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

  use(req: Request, res: Response, next: NextFunction): void {
    const started = process.hrtime.bigint();
    res.once('finish', () => {
      const route = (req.route as { path?: string } | undefined)?.path ?? 'unmatched';
      const labels = { route, method: req.method };
      this.requests.inc({ ...labels, status: String(res.statusCode) });
      this.duration.observe(labels, Number(process.hrtime.bigint() - started) / 1e9);
    });
    next();
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
      providers: [{ provide: MetricsRegistry, useValue: registry }, HttpMetricsMiddleware],
      exports: [MetricsRegistry, HttpMetricsMiddleware],
    };
  }
}
