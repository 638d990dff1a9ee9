import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { testInfra } from './infra';
import { call } from './http';
import { registerAdminApi } from './openapi-contract';
import { leakedSecrets, rememberSecret } from './secrets';

export type ServiceName = 'admin-api' | 'ingest' | 'fanout' | 'qerko-bridge';
const PORT_VARS: Record<ServiceName, string> = {
  'admin-api': 'ADMIN_API_PORT',
  ingest: 'INGEST_PORT',
  fanout: 'FANOUT_PORT',
  'qerko-bridge': 'QERKO_BRIDGE_PORT',
};
const ROOT = join(__dirname, '../../..');

export interface RunningService {
  name: ServiceName;
  port: number;
  url: string;
  /** Its Prometheus page, on its own METRICS_PORT. */
  metricsUrl: string;
  metricsPort: number;
  process: ChildProcess;
  logs: string[];
  /** The settings it was started with beyond the gateway's own. */
  env?: Record<string, string>;
}

/** Free TCP ports on loopback. */
export async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<ReturnType<typeof createServer>>((resolve) => {
          const server = createServer();
          server.listen(0, '127.0.0.1', () => resolve(server));
        }),
    ),
  );
  const ports = servers.map((s) => (s.address() as { port: number }).port);
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  return ports;
}

/**
 * The four services as separate processes (the compiled dist/, as in production) on the real broker and database.
 * Local receivers on 127.0.0.1 are allowed, exactly as `npm start` does.
 */
export class GatewayProcesses {
  readonly services = new Map<ServiceName, RunningService>();
  readonly operatorKey = `op_${randomBytes(24).toString('base64url')}`;
  readonly encryptionKey = randomBytes(32).toString('base64');
  env: Record<string, string> = {};

  private readonly ports = new Map<ServiceName, [port: number, metricsPort: number]>();
  private readonly extras: RunningService[] = [];
  /** Instances replaced by restartInstance (their logs are still checked for secrets at stop). */
  private readonly retired: RunningService[] = [];

  constructor(
    private readonly extraEnv: Record<string, string> = {},
    /** Settings for one service only (e.g. a stricter URL policy in fanout than in admin-api). */
    private readonly serviceEnv: Partial<Record<ServiceName, Record<string, string>>> = {},
    /** Where each service's dist/ (and node_modules) is: the checkout, or e.g. the bundle an image is built from. */
    private readonly rootOf: (name: ServiceName) => string = () => ROOT,
  ) {}

  async start(names: ServiceName[] = ['admin-api', 'ingest', 'fanout', 'qerko-bridge']): Promise<this> {
    const { kafkaBrokers, databaseUrl } = testInfra();
    const ports = await freePorts(8);
    const portOf = Object.fromEntries(
      (Object.keys(PORT_VARS) as ServiceName[]).map((n, i) => [n, ports[i]!]),
    ) as Record<ServiceName, number>;
    const metricsPortOf = Object.fromEntries(
      (Object.keys(PORT_VARS) as ServiceName[]).map((n, i) => [n, ports[4 + i]!]),
    ) as Record<ServiceName, number>;
    this.env = {
      DATABASE_URL: databaseUrl,
      KAFKA_BROKERS: kafkaBrokers,
      GATEWAY_OPERATOR_KEY: this.operatorKey,
      GATEWAY_ENCRYPTION_KEY: this.encryptionKey,
      GATEWAY_ALLOW_HTTP_ENDPOINTS: 'true',
      GATEWAY_ALLOWED_PRIVATE_CIDRS: '127.0.0.1/32',
      GATEWAY_PUBLIC_INGEST_URL: `http://127.0.0.1:${portOf.ingest}`,
      GATEWAY_PUBLIC_QERKO_URL: `http://127.0.0.1:${portOf['qerko-bridge']}`,
      GATEWAY_PUBLIC_ADMIN_URL: `http://127.0.0.1:${portOf['admin-api']}`,
      ...Object.fromEntries((Object.keys(PORT_VARS) as ServiceName[]).map((n) => [PORT_VARS[n], String(portOf[n])])),
      ...this.extraEnv,
    };
    for (const name of Object.keys(PORT_VARS) as ServiceName[])
      this.ports.set(name, [portOf[name], metricsPortOf[name]]);
    await Promise.all(names.map((name) => this.startOne(name, ...this.ports.get(name)!)));
    return this;
  }

  /** Kills one service (SIGKILL by default: a crash) and waits until it is gone. */
  async kill(name: ServiceName, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    await killProcess(this.services.get(name)!.process, signal);
  }

  /** One more instance of a service (same configuration, its own port), for multi-instance tests. */
  async startExtra(name: ServiceName, env: Record<string, string> = {}): Promise<RunningService> {
    const [port, metricsPort] = await freePorts(2);
    const service = this.spawn(name, port!, metricsPort!, env);
    this.extras.push(service);
    await waitReady(service);
    return service;
  }

  /** Every running instance of a service: the first one, then the extras in the order they started. */
  instances(name: ServiceName): RunningService[] {
    return [this.services.get(name)!, ...this.extras.filter((s) => s.name === name)];
  }

  /**
   * Stops one instance (SIGTERM: a rolling restart; SIGKILL: a crash), then starts it again on the same port with the
   * same settings and waits until it is ready. Returns the new instance, which takes the old one's place.
   */
  async restartInstance(service: RunningService, signal: NodeJS.Signals = 'SIGTERM'): Promise<RunningService> {
    if (signal === 'SIGTERM') await stopProcess(service.process, 30_000);
    else await killProcess(service.process, signal);
    const next = this.spawn(service.name, service.port, service.metricsPort, service.env);
    if (this.services.get(service.name) === service) this.services.set(service.name, next);
    else this.extras[this.extras.indexOf(service)] = next;
    this.retired.push(service);
    await waitReady(next);
    return next;
  }

  /** Starts a (killed or stopped) service again on the same ports. */
  async restart(name: ServiceName): Promise<void> {
    await this.startOne(name, ...this.ports.get(name)!);
  }

  /** A new tenant and an API key with every scope, through the admin API (as the operator). */
  async tenantWithKey(name: string): Promise<{ tenantId: string; key: string }> {
    const tenant = await this.adminPost(this.operatorKey, '/v1/tenants', { name });
    const { key } = await this.adminPost(this.operatorKey, `/v1/tenants/${tenant.id}/api-keys`, { name: 'tests' });
    return { tenantId: tenant.id, key: key! };
  }

  /** A Kaynko source with `secret`, and an endpoint at `endpointUrl` for `eventTypes`, for the tenant of `key`. */
  async kaynkoShop(
    key: string,
    options: { secret: string; endpointUrl: string; eventTypes?: string[]; name?: string },
  ): Promise<{ sourceId: string; ingestUrl: string; endpointId: string }> {
    rememberSecret(options.secret);
    const source = await this.adminPost(key, '/v1/sources', {
      provider: 'kaynko',
      name: options.name ?? 'Shop',
      secret: options.secret,
    });
    const endpoint = await this.adminPost(key, '/v1/endpoints', {
      url: options.endpointUrl,
      eventTypes: options.eventTypes ?? ['kaynko.sale.completed'],
    });
    return { sourceId: source.id, ingestUrl: source.ingestUrl!, endpointId: endpoint.id };
  }

  /** POST to the admin API that must create something (201), for the fixtures above. */
  private async adminPost(key: string, path: string, body: object) {
    const res = await call<{ id: string; key?: string; ingestUrl?: string }>(
      'POST',
      `${this.url('admin-api')}${path}`,
      {
        key,
        body,
      },
    );
    if (res.status !== 201) throw new Error(`POST ${path} answered ${res.status}: ${JSON.stringify(res.body)}`);
    return res.body;
  }

  url(name: ServiceName): string {
    return this.services.get(name)!.url;
  }

  /** The service's Prometheus page (its first instance's). */
  metricsUrl(name: ServiceName): string {
    return this.services.get(name)!.metricsUrl;
  }

  private async startOne(name: ServiceName, port: number, metricsPort: number): Promise<void> {
    const service = this.spawn(name, port, metricsPort);
    this.services.set(name, service);
    await waitReady(service);
  }

  /** Starts one process of a service on `port` and `metricsPort` (its settings, then `env`). */
  private spawn(
    name: ServiceName,
    port: number,
    metricsPort: number,
    env: Record<string, string> = {},
  ): RunningService {
    const child = spawn(process.execPath, [join(this.rootOf(name), `dist/apps/${name}/src/main.js`)], {
      cwd: this.rootOf(name),
      env: {
        ...process.env,
        ...this.env,
        ...this.serviceEnv[name],
        ...env,
        [PORT_VARS[name]]: String(port),
        METRICS_PORT: String(metricsPort),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const logs: string[] = [];
    if (name === 'admin-api') registerAdminApi(`http://127.0.0.1:${port}`);
    // GATEWAY_TEST_LOGS=1 appends every service's log to tmp/test-logs/<service>.log (for debugging a failing test).
    const logFile = join(ROOT, 'tmp/test-logs', `${name}.log`);
    if (process.env['GATEWAY_TEST_LOGS']) mkdirSync(dirname(logFile), { recursive: true });
    for (const stream of [child.stdout, child.stderr]) {
      stream.on('data', (d: Buffer) => {
        logs.push(d.toString());
        if (process.env['GATEWAY_TEST_LOGS']) appendFileSync(logFile, d);
      });
    }
    return {
      name,
      port,
      url: `http://127.0.0.1:${port}`,
      metricsPort,
      metricsUrl: `http://127.0.0.1:${metricsPort}/metrics`,
      process: child,
      logs,
      env,
    };
  }

  /**
   * SIGTERM every service and wait for it to exit (SIGKILL after 20 s). Then reads everything they logged: no secret
   * the test handled (keys, source and endpoint secrets, the operator and encryption keys) may appear in it.
   */
  async stop(): Promise<void> {
    const all = [...this.services.values(), ...this.extras, ...this.retired];
    await Promise.all(all.map((s) => stopProcess(s.process, 20_000)));
    rememberSecret(this.operatorKey);
    rememberSecret(this.encryptionKey);
    const leaks = all
      .map((s) => ({ name: s.name, leaked: leakedSecrets(s.logs.join('')) }))
      .filter(({ leaked }) => leaked.length);
    if (leaks.length) {
      throw new Error(
        `secrets in the services' logs: ${leaks.map((l) => `${l.name}: ${l.leaked.join(', ')}`).join('; ')}`,
      );
    }
  }
}

async function waitReady(service: RunningService, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    if (service.process.exitCode !== null) {
      throw new Error(`${service.name} exited (${service.process.exitCode}) before ready:\n${service.logs.join('')}`);
    }
    try {
      const res = await fetch(`${service.url}/health/ready`);
      if (res.ok) return;
      last = await res.text();
    } catch (err) {
      last = (err as Error).message;
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`${service.name} not ready after ${timeoutMs} ms (${last}):\n${service.logs.join('')}`);
}

async function killProcess(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill(signal);
  await exited;
}

export async function stopProcess(child: ChildProcess, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}
