import { join } from 'node:path';
import { GatewayProcesses } from '@gateway/testing';
import { ScaleOutOptions, reportScaleOut, scaleOut } from './scale-out';

const OPTIONS: ScaleOutOptions = {
  ratePerSecond: Number(process.env['CHAOS_SCALE_OUT_RATE'] ?? 300),
  seconds: Number(process.env['CHAOS_SECONDS'] ?? 60),
  sources: 6,
  steadyEndpoints: 3,
  drainMs: 180_000,
  restart: 'every-instance',
};
const REPORT = join(__dirname, '../..', process.env['CHAOS_REPORT'] ?? 'docs/reliability.md');

/**
 * `npm run test:chaos`: several instances of every service under a steady signed load, with configuration changes,
 * a rolling restart of every instance and a fan-out `kill -9` during a rebalance. The table goes to
 * docs/reliability.md ("Several instances").
 */
describe('chaos: several instances of every service, rolling restarts and a crash during a rebalance', () => {
  jest.setTimeout(OPTIONS.seconds * 1000 + OPTIONS.drainMs + 240_000);
  const gateway = new GatewayProcesses({
    GATEWAY_RETRY_SCHEDULE: '1s,2s,4s,8s,8s,8s,8s,8s,8s,8s,8s,8s,8s,8s,8s',
    FANOUT_POLL_INTERVAL_MS: '200',
  });

  beforeAll(() => gateway.start(), 120_000);
  afterAll(() => gateway.stop());

  it('loses nothing, delivers nothing a change excluded, and re-sends at most 0.5 % after the crash', async () => {
    const outcome = await scaleOut(gateway, OPTIONS);
    process.stdout.write(`\n${reportScaleOut(outcome, OPTIONS, REPORT)}\n\n`);
    expect(outcome.accepted).toBeGreaterThan(OPTIONS.ratePerSecond * OPTIONS.seconds * 0.9);
    expect(outcome.lost).toBe(0);
    expect(outcome.toDeletedEndpoint).toBe(0);
    expect(outcome.toNarrowedEndpoint).toBe(0);
    expect(outcome.duplicates / outcome.delivered).toBeLessThanOrEqual(0.005);
  });
});
