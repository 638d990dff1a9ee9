import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import {
  DynamicModule,
  Global,
  Inject,
  Injectable,
  Logger,
  Module,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from '@nestjs/common';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { ApiError } from './api-error';

/** The service's Prometheus registry: default process metrics plus whatever the service registers. */
@Injectable()
export class MetricsRegistry extends Registry {}

const METRICS_PORT = Symbol('METRICS_PORT');

/**
 * `GET /metrics` on its own port (METRICS_PORT), never on the service's public one: the page names routes, tenants'
 * volumes and internals that are nobody's business outside the cluster. The Helm chart's Services do not expose it;
 * Prometheus scrapes the pods directly. Anything else on the port gets a 404 (405 for another method) in the one
 * error shape.
 */
@Injectable()
export class MetricsServer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(MetricsServer.name);
  private server: Server | null = null;

  constructor(
    private readonly registry: MetricsRegistry,
    @Inject(METRICS_PORT) private readonly port: number,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const server = createServer((req, res) => void this.answer(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '0.0.0.0', () => resolve());
    });
    this.server = server;
    this.logger.log(`metrics on port ${this.port} (/metrics)`);
  }

  async onApplicationShutdown(): Promise<void> {
    const server = this.server;
    if (!server) return;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }

  private async answer(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '').split('?')[0];
    if (path !== '/metrics') return send(res, ApiError.notFound('Route'));
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD');
      return send(res, new ApiError(405, 'method_not_allowed', `${req.method} is not allowed here: use GET.`));
    }
    try {
      const text = await this.registry.metrics();
      res.writeHead(200, { 'content-type': this.registry.contentType, 'cache-control': 'no-store' });
      res.end(req.method === 'HEAD' ? undefined : text);
    } catch (err) {
      this.logger.error(`metrics could not be collected: ${(err as Error).message}`);
      send(res, new ApiError(500, 'internal_error', 'Internal error.'));
    }
  }
}

function send(res: ServerResponse, error: ApiError): void {
  res.writeHead(error.getStatus(), { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(JSON.stringify(error.toBody()));
}

/**
 * HTTP requests by route template (never the raw path: ids would explode cardinality), method and status. Each HTTP
 * platform calls `record` once per answered request (see `configure-app.ts`).
 */
@Injectable()
export class HttpMetrics {
  private readonly requests: Counter<'route' | 'method' | 'status'>;
  private readonly duration: Histogram<'route' | 'method'>;
  private readonly aborted: Counter;

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
    this.aborted = new Counter({
      name: 'http_requests_aborted_total',
      help: 'Requests whose client closed the connection before sending the whole body',
      registers: [registry],
    });
  }

  recordAbort(): void {
    this.aborted.inc();
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
  /** `port`: the service's METRICS_PORT. */
  static forRoot(service: string, port: number): DynamicModule {
    const registry = new MetricsRegistry();
    registry.setDefaultLabels({ service });
    collectDefaultMetrics({ register: registry });
    return {
      module: MetricsModule,
      providers: [
        { provide: MetricsRegistry, useValue: registry },
        { provide: METRICS_PORT, useValue: port },
        HttpMetrics,
        MetricsServer,
      ],
      exports: [MetricsRegistry, HttpMetrics],
    };
  }
}
