import { GatewayProcesses } from '@gateway/testing';
import { ScaleOutOptions, reportScaleOut, scaleOut } from '../chaos/scale-out';

const OPTIONS: ScaleOutOptions = {
  ratePerSecond: 100,
  seconds: 20,
  sources: 4,
  steadyEndpoints: 2,
  drainMs: 120_000,
  restart: 'one-per-service',
};

/**
 * The short version of the chaos tier's scale-out scenario (test/chaos/scale-out.chaos-spec.ts): 2 × ingest,
 * 3 × fan-out, 2 × Qerko bridge, 2 × admin-api under a signed load, configuration changes, a SIGTERM restart of one
 * instance of each service (the chaos tier restarts every one) and a fan-out `kill -9` during a rebalance.
 */
describe('several instances of every service: rolling restart and a crash during a rebalance', () => {
  jest.setTimeout(360_000);
  const gateway = new GatewayProcesses({
    GATEWAY_RETRY_SCHEDULE: '1s,2s,4s,8s,8s,8s,8s,8s',
    FANOUT_POLL_INTERVAL_MS: '200',
  });

  beforeAll(() => gateway.start(), 120_000);
  afterAll(() => gateway.stop());

  it('loses nothing accepted and delivers nothing a configuration change excluded', async () => {
    const outcome = await scaleOut(gateway, OPTIONS);
    process.stdout.write(`\n${reportScaleOut(outcome, OPTIONS)}\n\n`);
    expect(outcome.accepted).toBeGreaterThan(OPTIONS.ratePerSecond * OPTIONS.seconds * 0.9);
    expect(outcome.lost).toBe(0);
    expect(outcome.toDeletedEndpoint).toBe(0);
    expect(outcome.toNarrowedEndpoint).toBe(0);
  });
});
