import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { SecretBox } from '@gateway/security';
import { freePorts, testInfra } from '@gateway/testing';
import { AdminApiConfig } from './admin-api.config';
import { AppModule } from './app.module';
import { buildOpenApiDocument } from './openapi';

type RouterLayer = { route?: { path: string; methods: Record<string, boolean> } };

const ROOT = join(__dirname, '../../..');

/**
 * Runs a linter from node_modules/.bin over the document, offline; its own exit status is ignored (Redocly exits 0 on
 * warnings), the caller reads its JSON report.
 */
async function lint(tool: string, args: string[]): Promise<string> {
  const env = { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true', NO_COLOR: '1' };
  const run = promisify(execFile)(join(ROOT, 'node_modules/.bin', tool), args, { cwd: ROOT, env, maxBuffer: 64 << 20 });
  const { stdout } = await run.catch((err: { stdout?: string; stderr?: string; message: string }) => {
    if (!err.stdout) throw new Error(`${tool} failed: ${err.stderr ?? err.message}`);
    return { stdout: err.stdout };
  });
  return stdout;
}

/** Every route the app serves is in the OpenAPI document (health and metrics excepted), read from the app itself. */
describe('admin-api OpenAPI document', () => {
  jest.setTimeout(60_000);
  let app: INestApplication;

  beforeAll(async () => {
    const { databaseUrl, kafkaBrokers } = testInfra();
    // Its metrics page on a free port: another run on this machine may hold the default one.
    const [metricsPort] = await freePorts(1);
    const config = Object.assign(new AdminApiConfig(), {
      METRICS_PORT: metricsPort,
      DATABASE_URL: databaseUrl,
      KAFKA_BROKERS: kafkaBrokers.split(','),
      GATEWAY_OPERATOR_KEY: 'op_openapi_test_key_0123456789',
      GATEWAY_ENCRYPTION_KEY: SecretBox.generateKey(),
    });
    app = await NestFactory.create(AppModule.forConfig(config), { logger: false });
    await app.init();
  });

  afterAll(() => app.close());

  it('documents every route', () => {
    const express = app.getHttpAdapter().getInstance() as { router: { stack: RouterLayer[] } };
    const served = express.router.stack
      .filter((layer) => layer.route)
      .flatMap((layer) =>
        Object.keys(layer.route!.methods).map(
          (m) => `${m.toUpperCase()} ${layer.route!.path.replace(/:(\w+)/g, '{$1}')}`,
        ),
      )
      .filter((route) => !/ \/(health|metrics)/.test(route));
    const paths = buildOpenApiDocument(app).paths as Record<string, Record<string, unknown>>;
    const documented = Object.entries(paths).flatMap(([path, methods]) =>
      Object.keys(methods).map((m) => `${m.toUpperCase()} ${path}`),
    );
    expect(served.length).toBeGreaterThan(30);
    expect(served.filter((route) => !documented.includes(route))).toEqual([]);
  });

  /** What a generated client needs of every operation (openapi-typescript types `data` and `error` from these). */
  it('gives every operation a summary, a tag, its success schema and its errors in the one shape', () => {
    const document = buildOpenApiDocument(app, 'https://gateway.example.com/');
    expect(document.servers).toEqual([{ url: 'https://gateway.example.com' }]);
    const scheme = document.components?.securitySchemes?.['bearer'] as { bearerFormat?: string } | undefined;
    expect(scheme?.bearerFormat).not.toMatch(/JWT/);
    type Response = { content?: Record<string, { schema?: { $ref?: string; type?: string } }> };
    type Operation = {
      summary?: string;
      tags?: string[];
      parameters?: Array<{ name: string }>;
      responses: Record<string, Response>;
    };
    const problems: string[] = [];
    for (const [path, methods] of Object.entries(document.paths as Record<string, Record<string, Operation>>)) {
      for (const [method, op] of Object.entries(methods)) {
        const name = `${method.toUpperCase()} ${path}`;
        if (!op.summary) problems.push(`${name}: no summary`);
        if (!op.tags?.length) problems.push(`${name}: no tag`);
        const [success, ...more] = Object.keys(op.responses).filter((code) => code.startsWith('2'));
        if (!success || more.length) problems.push(`${name}: ${more.length + (success ? 1 : 0)} success responses`);
        else if (success !== '204' && !Object.values(op.responses[success]!.content ?? {})[0]?.schema)
          problems.push(`${name}: ${success} without a schema`);
        for (const code of ['401', '429']) if (!op.responses[code]) problems.push(`${name}: no ${code}`);
        for (const [code, response] of Object.entries(op.responses).filter(([c]) => !c.startsWith('2'))) {
          const ref = response.content?.['application/json']?.schema?.$ref;
          if (ref !== '#/components/schemas/ErrorResponse') problems.push(`${name}: ${code} not in the error shape`);
        }
        const isList =
          method === 'get' && Object.values(op.responses['200']?.content ?? {})[0]?.schema?.$ref?.endsWith('Page');
        const params = (op.parameters ?? []).map((p) => p.name);
        if (isList && !(params.includes('limit') && params.includes('cursor')))
          problems.push(`${name}: a list without limit and cursor`);
      }
    }
    expect(problems).toEqual([]);
    expect(Object.keys(document.paths).filter((p) => p.startsWith('/health'))).toEqual([]);
  });

  /**
   * Every operation that takes an id is reached by a link from the answers that carry one (create, get, list…):
   * what stateful fuzzing follows (test/e2e/schemathesis) and a client can read.
   */
  it('links every operation that takes an id from the answers that carry it', () => {
    type Link = { operationId: string; parameters: Record<string, string> };
    type Operation = { operationId: string; parameters?: Array<{ in: string; name: string }> };
    const paths = buildOpenApiDocument(app).paths as Record<string, Record<string, Operation & { responses: object }>>;
    const operations = Object.values(paths).flatMap((methods) => Object.values(methods));
    const links = operations.flatMap((op) =>
      Object.values(op.responses as Record<string, { links?: Record<string, Link> }>).flatMap((r) =>
        Object.values(r.links ?? {}),
      ),
    );
    const unreached = operations
      .flatMap((op) => (op.parameters ?? []).filter((p) => p.in === 'path').map((p) => `${op.operationId} ${p.name}`))
      .filter((need) => !links.some((l) => need === `${l.operationId} ${Object.keys(l.parameters)[0]}`));
    expect(unreached).toEqual([]);
    expect(links.length).toBeGreaterThan(30);
  });

  /** What partners' tools say of it: no error, no warning (rules switched off only in the committed rulesets). */
  describe('linted as partners lint it', () => {
    let dir: string;
    let file: string;

    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), 'admin-openapi-'));
      file = join(dir, 'openapi.json');
      writeFileSync(file, JSON.stringify(buildOpenApiDocument(app), null, 2));
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it("passes Redocly's recommended rules (.redocly.yaml)", async () => {
      const report = JSON.parse(
        await lint('redocly', ['lint', file, '--config', '.redocly.yaml', '--format', 'json']),
      ) as {
        totals: { errors: number; warnings: number };
        problems: Array<{ ruleId: string; severity: string; message: string; location: Array<{ pointer: string }> }>;
      };
      const problems = report.problems.map(
        (p) => `${p.severity} ${p.ruleId}: ${p.message} (${p.location.map((l) => l.pointer).join(', ')})`,
      );
      expect(problems).toEqual([]);
      expect(report.totals).toMatchObject({ errors: 0, warnings: 0 });
    });

    it("passes Spectral's spectral:oas rules (.spectral.yaml)", async () => {
      const report = JSON.parse(
        await lint('spectral', ['lint', file, '--ruleset', '.spectral.yaml', '--format', 'json', '--quiet']),
      ) as Array<{ code: string; severity: number; message: string; path: string[] }>;
      expect(report.map((p) => `${p.code}: ${p.message} (${p.path.join('.')})`)).toEqual([]);
    });
  });
});
