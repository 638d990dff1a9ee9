// `npm run retention:pass`: one retention pass now over events, deliveries and attempts of DATABASE_URL (or the local
// `gateway` database), the same pass fan-out runs every 10 minutes, under the same lock (docs/operations.md).
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ensureBuilt, ensureDependencies, ROOT } from './lib/util.mjs';

ensureDependencies();
ensureBuilt();
const { resolveDatabase } = await import('./lib/postgres.mjs');
const db = await resolveDatabase({ database: 'gateway' });
try {
  const run = spawnSync(process.execPath, [join(ROOT, 'dist/apps/fanout/src/retention.main.js')], {
    stdio: 'inherit',
    env: { ...process.env, DATABASE_URL: db.url },
  });
  process.exitCode = run.status ?? 1;
} finally {
  await db.stop();
}
