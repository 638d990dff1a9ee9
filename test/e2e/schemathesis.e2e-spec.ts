import { execFileSync, spawn } from 'node:child_process';
import { join } from 'node:path';
import { GatewayProcesses, KAYNKO_EXAMPLES, Receiver, call, sendKaynko } from '@gateway/testing';

type Operation = { tags: string[] };

/** Schemathesis with the settings (test/e2e/schemathesis.toml) and hooks (schemathesis_hooks.py) this test uses. */
const SCHEMATHESIS = join(__dirname, '../../tools/scripts/schemathesis.mjs');
const SECRET = 'schemathesis-shop-secret';

/**
 * Schemathesis (from PyPI, pinned in tools/scripts/lib/python-tools.mjs) over the OpenAPI document the running
 * admin-api serves: examples, coverage, fuzzing and stateful sequences along the document's links (create → get,
 * update, delete; list → item), with every default check — no 5xx, every status, header, content type and body as
 * documented, schema-invalid requests refused, schema-valid ones accepted (but for the rules schemathesis.toml names).
 * A tenant key with every scope tests the tenant's routes; the operator key then tests tenants and API keys.
 */
describe('Schemathesis over the admin API (property-based and stateful, from the served OpenAPI document)', () => {
  jest.setTimeout(600_000);
  // A fuzzer is a busy client: the per-key rate limit would answer most of it with 429 (documented, but untested).
  const gateway = new GatewayProcesses({ ADMIN_API_RATE_LIMIT_PER_KEY: '1000000' });
  const receiver = new Receiver();
  let admin: string;
  let key: string;

  beforeAll(async () => {
    // Installed into .data/toolchains/ the first time (a virtual environment from PyPI), then reused.
    execFileSync(process.execPath, [SCHEMATHESIS, '--version'], { stdio: ['ignore', 'ignore', 'inherit'] });
    await Promise.all([gateway.start(['admin-api', 'ingest', 'fanout']), receiver.start()]);
    admin = gateway.url('admin-api');
    ({ key } = await gateway.tenantWithKey('Schemathesis'));
    // What only providers create, for the routes that read it: an event, and its delivery (list → get, retry).
    const { ingestUrl } = await gateway.kaynkoShop(key, { secret: SECRET, endpointUrl: receiver.url() });
    const sent = await sendKaynko(ingestUrl, SECRET, JSON.stringify(KAYNKO_EXAMPLES['sale.completed']));
    expect(sent.status).toBe(202);
    await receiver.waitFor(1);
  });

  afterAll(async () => {
    await gateway.stop();
    await receiver.stop();
  });

  /** One `st run` over the served document; resolves when it exits. */
  function schemathesis(bearer: string, args: string[]): Promise<{ code: number | null; output: string }> {
    const argv = [SCHEMATHESIS, 'run', `${admin}/docs-json`, '--url', admin, '--no-color'];
    // 60 cases per operation and phase keep both passes within about a minute and a half.
    argv.push('--header', `Authorization: Bearer ${bearer}`, '--max-examples', '60', ...args);
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      for (const stream of [child.stdout, child.stderr]) stream.on('data', (d: Buffer) => (output += d.toString()));
      child.on('error', reject);
      child.on('exit', (code) => resolve({ code, output }));
    });
  }

  /** Exit 0 (no check failed), and every operation of `tags` tested, in every phase. */
  async function expectClean(
    { code, output }: { code: number | null; output: string },
    tags: (tag: string) => boolean,
  ) {
    if (code !== 0) throw new Error(`Schemathesis found problems (exit ${code}):\n${output}`);
    type Document = { paths: Record<string, Record<string, Operation>> };
    const spec = (await call<Document>('GET', `${admin}/docs-json`)).body;
    const operations = Object.values(spec.paths)
      .flatMap((methods) => Object.values(methods))
      .filter((op) => tags(op.tags[0] ?? ''));
    const [, selected, tested] = /Selected: (\d+)\/\d+\s+Tested: (\d+)/.exec(output) ?? [];
    expect([Number(selected), Number(tested)]).toEqual([operations.length, operations.length]);
    for (const phase of ['Examples', 'Coverage', 'Fuzzing', 'Stateful'])
      expect(output).toMatch(new RegExp(`✅ +${phase}`));
  }

  const operatorTag = (tag: string) => tag === 'Tenants' || tag === 'API keys';

  it("finds no 5xx and no answer that breaks the document on a tenant's routes, with a tenant key of every scope", async () => {
    // Tenants and API keys are the operator's pass: revoking this pass's own key would leave it nothing to test.
    const pass = await schemathesis(key, ['--exclude-tag', 'Tenants', '--exclude-tag', 'API keys']);
    await expectClean(pass, (tag) => !operatorTag(tag));
  });

  it('finds none on tenants and API keys, with the operator key', async () => {
    const pass = await schemathesis(gateway.operatorKey, ['--include-tag', 'Tenants', '--include-tag', 'API keys']);
    await expectClean(pass, operatorTag);
  });
});
