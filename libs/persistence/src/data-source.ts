import { DataSource } from 'typeorm';
import { dataSourceOptions } from './data-source-options';

/** Entry point for `npm run db:migrate` (and the TypeORM CLI): reads DATABASE_URL only. */
export function migrationDataSource(url = process.env['DATABASE_URL']): DataSource {
  if (!url) throw new Error('DATABASE_URL is not set');
  return new DataSource({
    ...dataSourceOptions(url, { poolSize: 2, applicationName: 'gateway-migrate' }),
    logging: ['error', 'migration'],
  });
}

export async function runMigrations(url?: string): Promise<string[]> {
  const dataSource = migrationDataSource(url);
  await dataSource.initialize();
  try {
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    return applied.map((m) => m.name);
  } finally {
    await dataSource.destroy();
  }
}
