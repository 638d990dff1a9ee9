import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  GatewayProcesses,
  KAYNKO_EXAMPLES,
  Receiver,
  ServiceName,
  sendKaynko,
  testInfra,
  type RunningService,
} from '@gateway/testing';

const ROOT = join(__dirname, '../..');
const run = promisify(execFile);
const SERVICES: ServiceName[] = ['ingest', 'fanout', 'qerko-bridge', 'admin-api'];

/**
 * Each image holds one service's bundle: its compiled code and only its production dependencies
 * (tools/scripts/service-package.mjs --bundle, exactly what the Dockerfile runs). Here the bundles are made outside
 * the checkout — so no parent node_modules can stand in for a missing package — and the gateway runs from them
 * on the real broker and database: the migration job, then the four services with one event end to end.
 */
describe('service bundles, as in the images (real Kafka and Postgres)', () => {
  jest.setTimeout(240_000);
  const dir = mkdtempSync(join(tmpdir(), 'gateway-bundles-'));
  const bundle = (service: string) => join(dir, service);
  const receiver = new Receiver();
  const gateway = new GatewayProcesses({}, {}, bundle);

  beforeAll(async () => {
    for (const service of [...SERVICES, 'migrate']) {
      await run(process.execPath, [
        join(ROOT, 'tools/scripts/service-package.mjs'),
        service,
        '--bundle',
        bundle(service),
      ]);
    }
    await receiver.start();
  });
  afterAll(async () => {
    await gateway.stop();
    await receiver.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs the migration job from its bundle (pg and typeorm only)', async () => {
    const { stdout } = await run(process.execPath, ['dist/libs/persistence/src/migrate.main.js'], {
      cwd: bundle('migrate'),
      env: { PATH: process.env['PATH'], DATABASE_URL: testInfra().databaseUrl },
    });
    // The suite's database is migrated already: the job connects, finds nothing to do, and exits 0.
    expect(stdout.trim()).toBe('schema up to date');
  });

  it('starts every service from its bundle and carries a signed event through them, then stops them cleanly', async () => {
    await gateway.start();
    const { key } = await gateway.tenantWithKey('Bundled');
    const secret = 'bundle-shop-secret';
    const shop = await gateway.kaynkoShop(key, { secret, endpointUrl: receiver.url() });
    const accepted = await sendKaynko(shop.ingestUrl, secret, JSON.stringify(KAYNKO_EXAMPLES['sale.completed']));
    expect(accepted.status).toBe(202);
    const [delivered] = await receiver.waitFor(1, 20_000);
    expect(delivered!.headers['webhook-id']).toBe(accepted.body.id);

    const processes: RunningService[] = [...gateway.services.values()];
    await gateway.stop();
    // Each exits by itself on SIGTERM (graceful shutdown), with 0.
    expect(Object.fromEntries(processes.map((s) => [s.name, s.process.exitCode]))).toEqual(
      Object.fromEntries(SERVICES.map((name) => [name, 0])),
    );
  });
});
