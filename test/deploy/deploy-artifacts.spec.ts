import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';

/**
 * What platform teams deploy: the Dockerfile's per-service images, docker-compose.yml and the Helm chart. No Docker
 * engine or cluster runs here, so the real tools check what they can without one: the Compose CLI validates and
 * interpolates docker-compose.yml (`config`), Helm lints and renders the chart (`lint --strict`, `template`). Every
 * environment a deployment gives a service is then checked by that service's own config class — the same
 * validation that stops a misconfigured service at boot.
 */
const ROOT = join(__dirname, '../..');
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');

type Service = 'ingest' | 'fanout' | 'qerko-bridge' | 'admin-api';
const SERVICES: Service[] = ['ingest', 'fanout', 'qerko-bridge', 'admin-api'];
const CONFIG: Record<Service, { file: string; className: string; portVariable: string }> = {
  ingest: { file: 'ingest.config.js', className: 'IngestConfig', portVariable: 'INGEST_PORT' },
  fanout: { file: 'fanout.config.js', className: 'FanoutConfig', portVariable: 'FANOUT_PORT' },
  'qerko-bridge': { file: 'qerko-bridge.config.js', className: 'QerkoBridgeConfig', portVariable: 'QERKO_BRIDGE_PORT' },
  'admin-api': { file: 'admin-api.config.js', className: 'AdminApiConfig', portVariable: 'ADMIN_API_PORT' },
};

/** The compiled service's own config class and loader (dist/, as deployed), so nothing here restates its rules. */
function configOf(service: Service) {
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { loadConfig } = require(join(ROOT, 'dist/libs/config/src/load-config.js')) as {
    loadConfig: (cls: new () => object, env: Record<string, string>) => Record<string, unknown>;
  };
  const cls = (require(join(ROOT, `dist/apps/${service}/src/${CONFIG[service].file}`)) as Record<string, unknown>)[
    CONFIG[service].className
  ] as new () => Record<string, unknown>;
  /* eslint-enable @typescript-eslint/no-require-imports */
  return {
    defaultPort: new cls()[CONFIG[service].portVariable] as number,
    defaultMetricsPort: new cls()['METRICS_PORT'] as number,
    validate: (env: Record<string, string>) => loadConfig(cls, env),
  };
}

function servicePackage(service: string): { main: string; dependencies: Record<string, string> } {
  return JSON.parse(execFileSync('node', [join(ROOT, 'tools/scripts/service-package.mjs'), service]).toString()) as {
    main: string;
    dependencies: Record<string, string>;
  };
}

/** The environment the service's image sets, as the benchmark reads it from the Dockerfile. */
function imageEnv(service: string): Record<string, string> {
  const script = `import { imageEnv } from './bench/lib/image-env.mjs';
    console.log(JSON.stringify(imageEnv(process.cwd(), process.argv[1])));`;
  const out = execFileSync('node', ['--input-type=module', '-e', script, service], { cwd: ROOT });
  return JSON.parse(out.toString()) as Record<string, string>;
}

describe('Dockerfile: one small non-root image per service', () => {
  const lines = read('Dockerfile')
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  const stages = new Map<string, { from: string; instructions: string[] }>();
  let current: string[] = [];
  for (const line of lines) {
    const from = /^FROM\s+(\S+)(?:\s+AS\s+(\S+))?/i.exec(line);
    if (from) {
      current = [];
      stages.set(from[2] ?? `stage${stages.size}`, { from: from[1]!, instructions: current });
    } else current.push(line);
  }
  const nodeImage = /^ARG NODE_IMAGE=(\S+)/m.exec(read('Dockerfile'))?.[1] ?? '';

  it('builds on an official Node LTS slim image, in a build stage and a runtime stage that runs as `node`', () => {
    const major = Number(/^node:(\d+)-[a-z]+-slim$/.exec(nodeImage)?.[1]);
    expect(major % 2 === 0 && major >= 20).toBe(true);
    expect(stages.get('build')?.from).toBe('${NODE_IMAGE}');
    expect(stages.get('runtime')?.from).toBe('${NODE_IMAGE}');
    expect(stages.get('runtime')!.instructions).toContain('USER node');
    expect(stages.get('runtime')!.instructions).toContain('ENV NODE_ENV=production');
  });

  it.each([...SERVICES, 'migrate'])('has a %s target with only its bundle, its command and no installs', (target) => {
    const stage = stages.get(target)!;
    expect(stage.from).toBe('runtime');
    expect(stage.instructions).toContain(`COPY --from=build /out/${target} ./`);
    expect(stage.instructions.filter((i) => /npm (ci|install)|apt-get|USER root/.test(i))).toEqual([]);
    const cmd = JSON.parse(stage.instructions.find((i) => i.startsWith('CMD '))!.slice(4)) as string[];
    expect(cmd).toEqual(['node', servicePackage(target).main]);
  });

  it.each(SERVICES)(
    'runs %s with a bounded heap and two malloc arenas (its own ENV over the runtime stage)',
    (service) => {
      // Read as the benchmark reads it (bench/lib/image-env.mjs), so both see what the image sets.
      const effective = imageEnv(service);
      expect(effective.NODE_OPTIONS).toMatch(/(^| )--max-old-space-size=128( |$)/);
      expect(effective.MALLOC_ARENA_MAX).toBe('2');
    },
  );

  it.each(SERVICES)('exposes %s on its configured port with a health check on /health/ready', (service) => {
    const { defaultPort } = configOf(service);
    const stage = stages.get(service)!;
    expect(stage.instructions).toContain(`EXPOSE ${defaultPort}`);
    expect(stage.instructions.find((i) => i.startsWith('HEALTHCHECK'))).toContain(
      `http://127.0.0.1:${defaultPort}/health/ready`,
    );
  });

  it('bundles every target in the build stage, and keeps local state out of the build context', () => {
    const bundle = stages.get('build')!.instructions.find((i) => i.includes('--bundle'))!;
    expect(bundle).toContain('for service in ingest fanout qerko-bridge admin-api migrate');
    const ignored = read('.dockerignore').split('\n');
    expect(ignored).toEqual(expect.arrayContaining(['node_modules', 'dist', '.data', 'tmp', '.git']));
  });
});

describe('per-service production dependencies (tools/scripts/service-package.mjs)', () => {
  const root = JSON.parse(read('package.json')) as {
    dependencies: Record<string, string>;
    devDependencies: Record<string, string>;
  };

  it.each([...SERVICES, 'migrate'])('gives %s production dependencies only, at the root versions', (service) => {
    const { dependencies } = servicePackage(service);
    for (const [name, version] of Object.entries(dependencies)) {
      expect({ name, version }).toEqual({ name, version: root.dependencies[name] });
      expect(root.devDependencies[name]).toBeUndefined();
    }
  });

  it('gives each service what it loads, and leaves out what only others load', () => {
    const deps = Object.fromEntries(
      [...SERVICES, 'migrate'].map((s) => [s, Object.keys(servicePackage(s).dependencies)]),
    );
    for (const service of SERVICES) {
      // pg is loaded by name at run time (TypeORM's driver), which a require() scan alone misses.
      expect(deps[service]).toEqual(expect.arrayContaining(['@nestjs/core', 'typeorm', 'pg', 'kafkajs', 'pino']));
    }
    // Each main passes its HTTP platform's adapter: Fastify's in ingest, Express's in the others.
    expect(deps['ingest']).toContain('@nestjs/platform-fastify');
    expect(deps['ingest']).not.toContain('@nestjs/platform-express');
    for (const service of ['fanout', 'qerko-bridge', 'admin-api']) {
      expect(deps[service]).toContain('@nestjs/platform-express');
      expect(deps[service]).not.toContain('@nestjs/platform-fastify');
    }
    expect(deps['admin-api']).toContain('@nestjs/swagger');
    expect(deps['fanout']).toContain('undici');
    for (const service of ['ingest', 'fanout', 'qerko-bridge']) expect(deps[service]).not.toContain('@nestjs/swagger');
    expect(deps['ingest']).not.toContain('undici');
    expect(deps['migrate']).toEqual(['pg', 'typeorm']);
  });
});

/**
 * A real CLI the deployment tests run: `npm test` finds the machine's own Helm and Compose or builds each once from
 * its Go module (tools/scripts/lib/go-tools.mjs), and passes the command here.
 */
function cli(variable: 'TEST_HELM_COMMAND' | 'TEST_COMPOSE_COMMAND', args: string[], env: Record<string, string> = {}) {
  const raw = process.env[variable];
  if (!raw) throw new Error(`${variable} is unset: run the deployment tests through \`npm test\`, which provides it`);
  const [command, ...prefix] = JSON.parse(raw) as string[];
  // A clean environment: nothing of the developer's shell (or a .env file) leaks into interpolation.
  const home = mkdtempSync(join(tmpdir(), 'deploy-cli-'));
  const result = spawnSync(command!, [...prefix, ...args], {
    cwd: ROOT,
    env: { PATH: process.env['PATH'] ?? '', HOME: home, ...env },
    encoding: 'utf8',
  });
  rmSync(home, { recursive: true, force: true });
  if (result.error) throw result.error;
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('docker-compose.yml: the whole stack with one `docker compose up` (checked by the Compose CLI)', () => {
  const userEnv = {
    GATEWAY_OPERATOR_KEY: 'op_compose_check_0123456789abcdef',
    GATEWAY_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64'),
  };
  /** `docker compose config`: the file validated against the Compose schema and interpolated, as `up` would. */
  const config = (env: Record<string, string>) =>
    cli(
      'TEST_COMPOSE_COMMAND',
      ['--file', 'docker-compose.yml', '--env-file', '/dev/null', 'config', '--format', 'json'],
      env,
    );
  const rendered = config(userEnv);
  const compose = (rendered.status === 0 ? JSON.parse(rendered.stdout) : { services: {} }) as {
    services: Record<string, Record<string, any>>;
  };

  it('is a valid Compose file', () => {
    expect(rendered.stderr).toBe('');
    expect(rendered.status).toBe(0);
    expect(Object.keys(compose.services).sort()).toEqual(['kafka', 'postgres', 'migrate', ...SERVICES].sort());
  });

  it('runs Kafka from the official image in KRaft mode, and PostgreSQL, both with health checks', () => {
    const { kafka, postgres } = compose.services;
    expect(kafka!.image).toMatch(/^apache\/kafka:\d+\.\d+\.\d+$/);
    expect(kafka!.environment.KAFKA_PROCESS_ROLES).toBe('broker,controller');
    expect(JSON.stringify(kafka)).not.toMatch(/zookeeper/i);
    expect(kafka!.healthcheck.test.join(' ')).toContain('kafka-broker-api-versions');
    expect(postgres!.image).toMatch(/^postgres:\d+/);
    expect(postgres!.healthcheck.test.join(' ')).toContain('pg_isready');
  });

  it('migrates once, from the migrate image, after PostgreSQL is healthy', () => {
    const { migrate } = compose.services;
    expect(migrate!.build).toEqual({ context: ROOT, dockerfile: 'Dockerfile', target: 'migrate' });
    expect(migrate!.restart).toBe('no');
    expect(migrate!.depends_on).toEqual({ postgres: { condition: 'service_healthy', required: true } });
    expect(migrate!.environment.DATABASE_URL).toMatch(/^postgres:\/\/\w+:\w+@postgres:5432\//);
  });

  it.each(SERVICES)('starts %s from its own image after the migration, with a configuration it accepts', (name) => {
    const service = compose.services[name]!;
    expect(service.build).toEqual({ context: ROOT, dockerfile: 'Dockerfile', target: name });
    expect(service.depends_on).toEqual({
      migrate: { condition: 'service_completed_successfully', required: true },
      kafka: { condition: 'service_healthy', required: true },
    });
    const { validate, defaultPort } = configOf(name);
    const config = validate(service.environment as Record<string, string>);
    expect(config['KAFKA_BROKERS']).toEqual(['kafka:9092']);
    for (const port of (service.ports as Array<{ target: number; published: string }> | undefined) ?? [])
      expect(port).toMatchObject({ target: defaultPort, published: String(defaultPort) });
    // Graceful shutdown (SHUTDOWN_TIMEOUT_SECONDS) fits in the time compose waits before SIGKILL.
    expect(service.stop_grace_period).toMatch(/^\d+s$/);
    expect(Number.parseInt(service.stop_grace_period as string, 10)).toBeGreaterThan(
      config['SHUTDOWN_TIMEOUT_SECONDS'] as number,
    );
  });

  it('refuses to start without the operator and encryption keys', () => {
    const missing = config({});
    expect(missing.status).not.toBe(0);
    expect(missing.stderr).toContain('required variable GATEWAY_OPERATOR_KEY is missing a value');
    expect(missing.stderr).toContain('required variable GATEWAY_ENCRYPTION_KEY is missing a value');
  });
});

type Manifest = { kind: string; metadata: { name: string; annotations?: Record<string, string> }; [k: string]: any };
const CHART = 'deploy/helm/pos-event-gateway';
const PRODUCTION_VALUES = `${CHART}/ci/production-values.yaml`;
const SECRETS = {
  databaseUrl: 'postgres://gateway:pw@db.internal:5432/gateway',
  encryptionKey: Buffer.alloc(32, 9).toString('base64'),
  operatorKey: 'op_helm_check_0123456789abcdef',
};

/** `helm template gw --namespace pos` of the chart, with `override` as one more values file over `valuesFiles`. */
function renderChart(
  override: Record<string, any> = {},
  valuesFiles: string[] = [],
): { manifests: Manifest[]; error: string; status: number | null } {
  const dir = mkdtempSync(join(tmpdir(), 'helm-values-'));
  const overrideFile = join(dir, 'override.json'); // JSON is YAML
  writeFileSync(overrideFile, JSON.stringify(override));
  const files = [...valuesFiles.map((f) => join(ROOT, f)), overrideFile].flatMap((f) => ['--values', f]);
  const result = cli('TEST_HELM_COMMAND', ['template', 'gw', join(ROOT, CHART), '--namespace', 'pos', ...files]);
  rmSync(dir, { recursive: true, force: true });
  const docs = result.status === 0 ? parseAllDocuments(result.stdout, { uniqueKeys: true }) : [];
  for (const doc of docs) if (doc.errors.length) throw new Error(`rendered YAML is invalid: ${doc.errors[0]!.message}`);
  return {
    manifests: docs.map((d) => d.toJS() as Manifest).filter(Boolean),
    error: result.stderr,
    status: result.status,
  };
}

describe('Helm chart (linted and rendered by Helm itself)', () => {
  jest.setTimeout(60_000);

  it.each([
    ['the default values', []],
    ['the production-like values', ['--values', join(ROOT, PRODUCTION_VALUES)]],
  ])('passes `helm lint --strict` with %s', (_, args) => {
    const lint = cli('TEST_HELM_COMMAND', ['lint', '--strict', join(ROOT, CHART), ...args]);
    expect(lint.stdout).toContain('1 chart(s) linted, 0 chart(s) failed');
    expect(lint.stdout).not.toMatch(/\[(WARNING|ERROR)\]/);
    expect(lint.status).toBe(0);
  });

  const { manifests, error } = renderChart({ secrets: SECRETS });
  const byKind = (kind: string) => manifests.filter((m) => m.kind === kind);
  const deployment = (service: string) =>
    byKind('Deployment').find((d) => d.metadata.name === `gw-pos-event-gateway-${service}`)!;
  const secret = byKind('Secret')[0]!;
  const configMap = byKind('ConfigMap')[0]!;

  /** The environment a container gets: its ConfigMap, its values and its secret references, resolved. */
  function containerEnv(container: any): Record<string, string> {
    const env: Record<string, string> = { ...(configMap['data'] as Record<string, string>) };
    for (const item of container.env as Array<{ name: string; value?: string; valueFrom?: any }>) {
      if (item.value !== undefined) env[item.name] = item.value;
      const ref = item.valueFrom?.secretKeyRef;
      if (ref) {
        expect(ref.name).toBe(secret.metadata.name);
        env[item.name] = Buffer.from(secret['data'][ref.key] as string, 'base64').toString();
      }
    }
    return env;
  }

  it('renders one Deployment and one Service per service, a ConfigMap, a Secret, a migration Job and an HPA', () => {
    expect(error).toBe('');
    expect(manifests.map((m) => m.kind).sort()).toEqual(
      [
        'ConfigMap',
        'HorizontalPodAutoscaler',
        'Job',
        'Secret',
        ...SERVICES.flatMap(() => ['Deployment', 'Service']),
      ].sort(),
    );
  });

  it.each(SERVICES)('runs %s non-root, bounded, probed on /health/*, with a configuration it accepts', (service) => {
    const { validate, defaultPort, defaultMetricsPort } = configOf(service);
    const pod = deployment(service)['spec'].template.spec;
    const [container] = pod.containers;
    expect(container.image).toBe(`pos-event-gateway/${service}:0.1.0`);
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000 });
    expect(container.securityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true });
    expect(container.resources.requests).toEqual({ cpu: expect.any(String), memory: expect.any(String) });
    expect(container.resources.limits.memory).toEqual(expect.any(String));
    expect(container.livenessProbe.httpGet).toEqual({ path: '/health/live', port: 'http' });
    expect(container.readinessProbe.httpGet).toEqual({ path: '/health/ready', port: 'http' });
    expect(container.ports).toEqual([
      { name: 'http', containerPort: defaultPort },
      { name: 'metrics', containerPort: defaultMetricsPort },
    ]);
    const config = validate(containerEnv(container));
    expect(config['METRICS_PORT']).toBe(defaultMetricsPort);
    // Prometheus scrapes the metrics port of the pods; the Service exposes only the service's own port.
    expect(deployment(service)['spec'].template.metadata.annotations['prometheus.io/port']).toBe(
      String(defaultMetricsPort),
    );
    expect(config['DATABASE_URL']).toBe(SECRETS.databaseUrl);
    expect(pod.terminationGracePeriodSeconds).toBeGreaterThan(config['SHUTDOWN_TIMEOUT_SECONDS'] as number);
    const svc = byKind('Service').find((s) => s.metadata.name === deployment(service).metadata.name)!;
    expect(svc['spec'].selector).toEqual(deployment(service)['spec'].selector.matchLabels);
    expect(svc['spec'].ports).toEqual([{ name: 'http', port: defaultPort, targetPort: 'http' }]);
  });

  it('gives only the admin API the operator key', () => {
    for (const service of SERVICES) {
      const names = (deployment(service)['spec'].template.spec.containers[0].env as Array<{ name: string }>).map(
        (e) => e.name,
      );
      expect(names.includes('GATEWAY_OPERATOR_KEY')).toBe(service === 'admin-api');
    }
  });

  it('scales fan-out with a HorizontalPodAutoscaler, which then owns its replica count', () => {
    const [hpa] = byKind('HorizontalPodAutoscaler');
    expect(hpa!['spec'].scaleTargetRef).toEqual({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      name: deployment('fanout').metadata.name,
    });
    expect(hpa!['spec']).toMatchObject({ minReplicas: 2, maxReplicas: 6 });
    expect(deployment('fanout')['spec'].replicas).toBeUndefined();
    expect(deployment('ingest')['spec'].replicas).toBe(2);

    const without = renderChart({ secrets: SECRETS, autoscaling: { fanout: { enabled: false } } }).manifests;
    expect(without.filter((m) => m.kind === 'HorizontalPodAutoscaler')).toEqual([]);
    const fanout = without.find((m) => m.kind === 'Deployment' && m.metadata.name === 'gw-pos-event-gateway-fanout');
    expect(fanout!['spec'].replicas).toBe(2);
  });

  it('migrates in a pre-install/pre-upgrade hook Job, after the hook Secret it reads exists', () => {
    const [job] = byKind('Job');
    expect(job!.metadata.annotations!['helm.sh/hook']).toBe('pre-install,pre-upgrade');
    expect(secret.metadata.annotations!['helm.sh/hook']).toBe('pre-install,pre-upgrade');
    expect(Number(secret.metadata.annotations!['helm.sh/hook-weight'])).toBeLessThan(
      Number(job!.metadata.annotations!['helm.sh/hook-weight']),
    );
    const [container] = job!['spec'].template.spec.containers;
    expect(container.image).toBe('pos-event-gateway/migrate:0.1.0');
    expect(containerEnv(container)['DATABASE_URL']).toBe(SECRETS.databaseUrl);
    expect(job!['spec'].template.spec.restartPolicy).toBe('Never');
  });

  it('refuses to render without the secrets, and uses a Secret of yours when named', () => {
    const missing = renderChart();
    expect(missing.status).not.toBe(0);
    expect(missing.manifests).toEqual([]);
    expect(missing.error).toContain('secrets.databaseUrl (or secrets.existingSecret) is required');

    const own = renderChart({ secrets: { existingSecret: 'gateway-credentials' } }).manifests;
    expect(own.filter((m) => m.kind === 'Secret')).toEqual([]);
    const refs = (own.find((m) => m.kind === 'Job')!['spec'].template.spec.containers[0].env as any[]).map(
      (e) => e.valueFrom.secretKeyRef.name,
    );
    expect(refs).toEqual(['gateway-credentials']);
  });

  it('renders the production-like values: your Secret, your registry, managed Kafka over TLS with its CA mounted', () => {
    const production = renderChart({}, [PRODUCTION_VALUES]);
    expect(production.error).toBe('');
    const kinds = production.manifests.map((m) => m.kind);
    expect(kinds).not.toContain('Secret');
    const settings = production.manifests.find((m) => m.kind === 'ConfigMap')!['data'] as Record<string, string>;
    for (const service of SERVICES) {
      const pod = production.manifests.find(
        (m) => m.kind === 'Deployment' && m.metadata.name === `gw-pos-event-gateway-${service}`,
      )!['spec'].template.spec;
      const [container] = pod.containers;
      expect(container.image).toBe(`registry.example.com/pos/gateway/${service}:0.1.0`);
      expect(pod.imagePullSecrets).toEqual([{ name: 'registry-credentials' }]);
      const env: Record<string, string> = { ...settings };
      for (const item of container.env as Array<{ name: string; value?: string; valueFrom?: any }>) {
        if (item.value !== undefined) env[item.name] = item.value;
        const ref = item.valueFrom?.secretKeyRef;
        if (!ref) continue;
        expect(ref.name).toBe('pos-gateway-credentials');
        // What the operator's Secret would hold, so that the service's own config class judges the rest.
        env[item.name] =
          {
            DATABASE_URL: SECRETS.databaseUrl,
            GATEWAY_ENCRYPTION_KEY: SECRETS.encryptionKey,
            GATEWAY_OPERATOR_KEY: SECRETS.operatorKey,
            KAFKA_SASL_USERNAME: 'gateway',
            KAFKA_SASL_PASSWORD: 'kafka-password',
          }[item.name] ?? '';
      }
      const config = configOf(service).validate(env);
      expect(config['KAFKA_SSL']).toBe(true);
      expect(config['KAFKA_SASL_MECHANISM']).toBe('scram-sha-512');
      const mount = (container.volumeMounts as Array<{ name: string; mountPath: string }>).find(
        (m) => m.name === 'kafka-ca',
      )!;
      expect(settings['KAFKA_SSL_CA_FILE']!.startsWith(`${mount.mountPath}/`)).toBe(true);
      expect(pod.volumes).toContainEqual({ name: 'kafka-ca', secret: { secretName: 'kafka-ca' } });
    }
    const job = production.manifests.find((m) => m.kind === 'Job')!;
    expect(job['spec'].template.spec.containers[0].image).toBe('registry.example.com/pos/gateway/migrate:0.1.0');
  });
});
