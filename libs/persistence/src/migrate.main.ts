import { runMigrations } from './data-source';

/**
 * The one-off schema job of a deployment (the compose `migrate` service, the Helm pre-install/pre-upgrade hook):
 * applies pending migrations to DATABASE_URL, each in its own transaction, and exits 0, or 1 with the reason.
 * Safe to run again: applied migrations are skipped.
 */
runMigrations().then(
  (applied) => {
    console.log(applied.length ? `applied migrations: ${applied.join(', ')}` : 'schema up to date');
    process.exit(0);
  },
  (err: Error) => {
    console.error(`migration failed: ${err.message}`);
    process.exit(1);
  },
);
