import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { GatewayProcesses, KAYNKO_EXAMPLES, Receiver, sendKaynko } from '@gateway/testing';

const ROOT = join(__dirname, '../..');
const PARTNER = join(ROOT, 'test/partner');

/** test/partner/scenario.ts's entry point, as far as this test reads its outcome. */
type Scenario = (world: {
  adminUrl: string;
  operatorKey: string;
  receiverUrl: string;
  sendSale(ingestUrl: string, secret: string): Promise<void>;
}) => Promise<{
  endpoint: { id: string };
  delivery: { id: string; eventId: string };
  retried: { id: string };
  replay: object;
  csv: string;
  notFound: { error: { code: string } };
  invalid: { error: { details?: Array<{ field: string }> } };
}>;

/**
 * A partner's typed client, as issue #24's partner builds one: openapi-typescript over the running API's /docs-json,
 * then openapi-fetch. The scenario (test/partner/scenario.ts) must type-check against the generated types — strict,
 * every body and answer typed by the spec — and then run against the real stack.
 */
describe('a typed client generated from the served spec (openapi-typescript + openapi-fetch)', () => {
  jest.setTimeout(180_000);
  const gateway = new GatewayProcesses();
  const receiver = new Receiver();

  beforeAll(async () => {
    await Promise.all([gateway.start(), receiver.start()]);
  });
  afterAll(async () => {
    await gateway.stop();
    await receiver.stop();
  });

  it('type-checks the partner scenario against the generated types, then runs it end to end', async () => {
    // As a partner does it: the CLI over the served document.
    const generated = join(PARTNER, 'generated/admin-api.d.ts');
    mkdirSync(dirname(generated), { recursive: true });
    execFileSync(
      process.execPath,
      [
        join(ROOT, 'node_modules/openapi-typescript/bin/cli.js'),
        `${gateway.url('admin-api')}/docs-json`,
        '-o',
        generated,
      ],
      { encoding: 'utf8', stdio: 'pipe' },
    );
    try {
      execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', join(PARTNER, 'tsconfig.json')], {
        encoding: 'utf8',
      });
    } catch (err) {
      throw new Error(`the scenario does not type-check against the spec:\n${(err as { stdout: string }).stdout}`);
    }

    // Loaded by path: the root type-check does not see the generated types; tsc above checked the scenario strictly.
    const { partnerScenario } = jest.requireActual<{ partnerScenario: Scenario }>(join(PARTNER, 'scenario.ts'));
    const outcome = await partnerScenario({
      adminUrl: gateway.url('admin-api'),
      operatorKey: gateway.operatorKey,
      receiverUrl: receiver.url(),
      async sendSale(ingestUrl, secret) {
        const answer = await sendKaynko(ingestUrl, secret, JSON.stringify(KAYNKO_EXAMPLES['sale.completed']));
        expect(answer.status).toBe(202);
      },
    });
    expect(outcome.delivery).toMatchObject({ status: 'succeeded', attemptCount: 1, endpointId: outcome.endpoint.id });
    expect(outcome.retried.id).toBe(outcome.delivery.id);
    expect(outcome.replay).toMatchObject({ status: 'completed', progress: 1, total: 1 });
    expect(outcome.csv.split('\n')[0]).toMatch(/^id,/);
    expect(outcome.csv).toContain(outcome.delivery.eventId);
    expect(outcome.notFound.error.code).toBe('not_found');
    expect(outcome.invalid.error.details?.map((d) => d.field).sort()).toEqual(['eventTypes', 'url']);
  });
});
