import { randomBytes } from 'node:crypto';
import { DataSource, DataSourceOptions } from 'typeorm';
import { testInfra } from './infra';

/**
 * A database of its own on the test server, for a test whose data must not meet the other tests' (the tenants table
 * decides what retention removes, for instance). `migrate` builds its schema; `drop` removes it.
 */
export async function scratchDatabase(options: (url: string) => DataSourceOptions): Promise<{
  url: string;
  migrate: () => Promise<void>;
  drop: () => Promise<void>;
}> {
  const admin = await new DataSource({
    ...options(testInfra().databaseUrl),
    entities: [],
    migrations: [],
  }).initialize();
  const name = `scratch_${randomBytes(4).toString('hex')}`;
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(testInfra().databaseUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    migrate: async () => {
      const db = await new DataSource(options(url.toString())).initialize();
      try {
        await db.runMigrations({ transaction: 'each' });
      } finally {
        await db.destroy();
      }
    },
    drop: async () => {
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.destroy();
    },
  };
}

/**
 * The layout the partition migration leaves on a database that held data: each table's `<table>_legacy` partition
 * holds everything before `before` (the migration's cutoff), and the daily partitions start there.
 */
export async function attachLegacyRange(db: DataSource, tables: readonly string[], before: Date): Promise<void> {
  for (const table of tables) {
    await db.query(
      `CREATE TABLE ${table}_legacy PARTITION OF ${table} FOR VALUES FROM (MINVALUE) TO ('${before.toISOString()}')`,
    );
  }
}
