// Starts the gateway's services as separate Node processes with prefixed logs, waits for readiness, stops them.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { ROOT, log, sleep, waitForExit } from './util.mjs';

export const SERVICES = [
  { name: 'admin-api', portVar: 'ADMIN_API_PORT', port: 3000, color: 33 },
  { name: 'ingest', portVar: 'INGEST_PORT', port: 3001, color: 36 },
  { name: 'fanout', portVar: 'FANOUT_PORT', port: 3002, color: 35 },
  { name: 'qerko-bridge', portVar: 'QERKO_BRIDGE_PORT', port: 3003, color: 34 },
];

/** Local keys survive restarts (stored secrets stay decryptable); generated once into .data/local-keys.json. */
export function localKeys() {
  const file = join(ROOT, '.data/local-keys.json');
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8'));
  mkdirSync(join(ROOT, '.data'), { recursive: true });
  const keys = {
    GATEWAY_OPERATOR_KEY: `op_${randomBytes(24).toString('base64url')}`,
    GATEWAY_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
  };
  writeFileSync(file, JSON.stringify(keys, null, 2), { mode: 0o600 });
  return keys;
}

/**
 * `sourceMaps` maps stack traces to the TypeScript sources (for `npm start`). The images and the benchmark run without
 * it: with it, Node parses and keeps the source map of every module it loads, TypeORM's included, about 20 MB of each
 * service's heap.
 */
export function startService(service, env, { quiet = false, nodeArgs = [], sourceMaps = true } = {}) {
  const entry = join(ROOT, `dist/apps/${service.name}/src/main.js`);
  const child = spawn(process.execPath, [...(sourceMaps ? ['--enable-source-maps'] : []), ...nodeArgs, entry], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const tty = process.stdout.isTTY;
  const label = tty ? `\x1b[${service.color}m[${service.name}]\x1b[0m` : `[${service.name}]`;
  const lines = [];
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream }).on('line', (line) => {
      lines.push(line);
      if (lines.length > 200) lines.shift();
      if (!quiet) process.stdout.write(`${label} ${line}\n`);
    });
  }
  return { service, child, lines };
}

export async function waitReady(port, timeoutMs = 60_000, child) {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  while (Date.now() < deadline) {
    if (child && child.exitCode !== null) throw new Error(`exited with code ${child.exitCode} before it was ready`);
    try {
      const res = await fetch(`http://127.0.0.1:${port}/health/ready`);
      if (res.ok) return;
      last = `${res.status} ${await res.text()}`;
    } catch (err) {
      last = err.cause?.code ?? err.message;
    }
    await sleep(250);
  }
  throw new Error(`not ready on port ${port} after ${timeoutMs} ms (${last})`);
}

/** SIGTERM (graceful shutdown), then SIGKILL after `graceMs`. */
export async function stopService({ child, service }, graceMs = 30_000) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  if (!(await waitForExit(child, graceMs))) {
    log('gateway', `${service.name} did not stop within ${graceMs} ms: killing it`);
    child.kill('SIGKILL');
    await waitForExit(child, 5000);
  }
}
