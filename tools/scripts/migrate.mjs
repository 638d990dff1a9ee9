// `npm run db:migrate`: applies pending TypeORM migrations to DATABASE_URL (or the local `gateway` database).
import { join } from 'node:path';
import { ensureBuilt, ensureDependencies, log, ROOT } from './lib/util.mjs';

ensureDependencies();
ensureBuilt();
const { resolveDatabase } = await import('./lib/postgres.mjs');
const db = await resolveDatabase({ database: 'gateway' });
try {
  const { runMigrations } = await import(join(ROOT, 'dist/libs/persistence/src/data-source.js'));
  const applied = await runMigrations(db.url);
  log('postgres', applied.length ? `applied: ${applied.join(', ')}` : 'schema up to date; nothing to apply');
} finally {
  await db.stop();
}
