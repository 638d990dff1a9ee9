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
