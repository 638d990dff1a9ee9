import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GatewayProcesses, freePorts } from '@gateway/testing';

const ROOT = join(__dirname, '../..');

/** The ```bash block under README's "Your first event" heading, as a reader copies it. */
function firstEventBlock(): string {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const section = readme.split(/^## Your first event$/m)[1]?.split(/^## /m)[0];
  const block = section?.match(/^```bash\n([\s\S]*?)^```$/m)?.[1];
  if (!block) throw new Error('README.md has no ```bash block under "## Your first event"');
  return block;
}

/** Runs `script` with bash from the repository's root, as a reader would; kills it after `timeoutMs`. */
function runBash(
  script: string,
  env: Record<string, string>,
  timeoutMs: number,
): Promise<{ code: number | null; stdout: string; stderr: string; ms: number }> {
  const started = Date.now();
  const child = spawn('bash', ['-c', script], { cwd: ROOT, env: { ...process.env, ...env } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  return new Promise((resolve) =>
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: Date.now() - started });
    }),
  );
}

/**
 * README's "Your first event" is a script, not an illustration: the block is taken from README.md as it stands and run
 * with bash against the four services (real Kafka and PostgreSQL), its receiver included.
 */
describe("README's first event, run verbatim (four processes, real Kafka and Postgres)", () => {
  jest.setTimeout(120_000);
  const gateway = new GatewayProcesses();
  const block = firstEventBlock();
  let env: Record<string, string>;

  beforeAll(async () => {
    await gateway.start();
    const [receiverPort] = await freePorts(1);
    env = { API: gateway.url('admin-api'), OP: gateway.operatorKey, RECEIVER_PORT: String(receiverPort) };
  });
  afterAll(() => gateway.stop());

  it('creates tenant, key, source and endpoint, delivers the signed sale to a verifying receiver, and logs it', async () => {
    const run = await runBash(block, env, 60_000);
    expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });

    const lines = run.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^ten_/);
    expect(lines[1]).toMatch(`${gateway.url('ingest')}/v1/ingest/kaynko/src_`);
    expect(lines[2]).toMatch(/^ep_/);
    expect(lines[3]).toBe(`receiver listening on http://127.0.0.1:${env['RECEIVER_PORT']}`);
    const eventId = lines[4]!;
    expect(eventId).toMatch(/^evt_[0-9a-f]{32}$/);
    expect(lines[5]).toBe(`kaynko.sale.completed  ${eventId}  signature: verified`);
    expect(JSON.parse(lines[6]!)).toEqual({
      data: [
        expect.objectContaining({
          eventId,
          eventType: 'kaynko.sale.completed',
          endpointId: lines[2],
          status: 'succeeded',
          attemptCount: 1,
          lastStatusCode: 204,
        }),
      ],
      nextCursor: null,
    });
    expect(lines).toHaveLength(7);
  });

  it('stops at the first step, loudly, when the operator key is wrong', async () => {
    const run = await runBash(block, { ...env, OP: 'op_not-the-operator-key' }, 20_000);
    expect(run.code).not.toBe(0);
    expect(run.stderr.trim().split('\n')).toEqual([expect.stringContaining('401')]); // curl's line, and only it
    expect(run.stdout).toBe('');
    expect(run.ms).toBeLessThan(5_000);
  });
});
