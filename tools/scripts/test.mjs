// `npm test`: every test — static checks, unit, integration against a real Kafka broker and PostgreSQL, and
// end-to-end with the four services as separate processes. Starts what it needs and stops it, whatever happens.
// Extra arguments go to jest, e.g. `npm test -- --selectProjects unit` or `npm test -- test/e2e`.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureGoTool } from './lib/go-tools.mjs';
import {
  ensureBuilt,
  ensureChromium,
  ensureDependencies,
  ensurePython,
  freePorts,
  log,
  ROOT,
  run,
} from './lib/util.mjs';

const jestArgs = process.argv.slice(2);
ensureDependencies();
ensureBuilt();
ensurePython();
ensureChromium();
// The deployment tests check docker-compose.yml and the Helm chart with the real tools (test/deploy).
const helm = ensureGoTool('helm');
const compose = ensureGoTool('compose');

if (!process.env.SKIP_STATIC_CHECKS) {
  log('test', 'static checks: typecheck, lint (module boundaries included), format, console API types');
  run('npm', ['run', '--silent', 'typecheck']);
  run('npm', ['run', '--silent', 'lint']);
  run('npm', ['run', '--silent', 'format:check']);
  // The console's API types are generated from the admin API's document: stale ones fail here, not in a browser.
  run('node', ['tools/scripts/api-types.mjs', '--check']);
}

const { startKafka } = await import('./lib/kafka.mjs');
const { resolveDatabase } = await import('./lib/postgres.mjs');

const cleanups = [];
const cleanup = async () => {
  for (const fn of cleanups.reverse()) await fn().catch((err) => log('test', `cleanup failed: ${err.message}`));
};
process.on('SIGINT', () => void cleanup().then(() => process.exit(130)));
process.on('SIGTERM', () => void cleanup().then(() => process.exit(143)));

let code = 1;
try {
  holdCheckoutLock();
  // Free ports and a database named after this checkout: two checkouts (or a developer and CI) can test at once.
  const [port, controllerPort, postgresPort] = await freePorts(3);
  log('kafka', `starting a throwaway broker for the tests on 127.0.0.1:${port}…`);
  const kafka = await startKafka({ port, controllerPort, dataDir: join(ROOT, '.data/kafka/test'), fresh: true });
  cleanups.push(() => kafka.stop());

  const database = `gateway_test_${createHash('sha256').update(ROOT).digest('hex').slice(0, 8)}`;
  const db = await resolveDatabase({ database, recreate: true, cluster: 'test', port: postgresPort });
  cleanups.push(() => db.stop());
  const { runMigrations } = await import(join(ROOT, 'dist/libs/persistence/src/data-source.js'));
  await runMigrations(db.url);
  log('postgres', `test database ready (${db.url.replace(/:[^:@/]+@/, ':***@')})`);

  code = await new Promise((resolve) => {
    const jest = spawn(process.execPath, [join(ROOT, 'node_modules/jest/bin/jest.js'), '--runInBand', ...jestArgs], {
      cwd: ROOT,
      stdio: 'inherit',
      env: {
        ...process.env,
        TEST_KAFKA_BROKERS: kafka.brokers,
        TEST_DATABASE_URL: db.url,
        KAFKAJS_NO_PARTITIONER_WARNING: '1',
        TEST_HELM_COMMAND: JSON.stringify(helm),
        TEST_COMPOSE_COMMAND: JSON.stringify(compose),
      },
    });
    jest.on('exit', (exitCode, signal) => resolve(exitCode ?? (signal ? 1 : 0)));
  });
} catch (err) {
  log('test', `\x1b[31m${err.stack ?? err.message}\x1b[0m`);
  code = 1;
} finally {
  await cleanup();
}
process.exit(code);

/**
 * One `npm test` per checkout: a run recreates `.data/kafka/test` and this checkout's test database, so a second run
 * at the same time would pull them from under the first. Another clone (CI, a worktree) tests in parallel freely.
 */
function holdCheckoutLock() {
  const lock = join(ROOT, '.data/test.lock');
  mkdirSync(join(ROOT, '.data'), { recursive: true });
  try {
    writeFileSync(openSync(lock, 'wx'), String(process.pid));
  } catch (err) {
    if (err.code !== 'EEXIST') throw err;
    const holder = Number(readFileSync(lock, 'utf8'));
    if (holder && holder !== process.pid && isAlive(holder)) {
      throw new Error(
        `another npm test (pid ${holder}) is running in this checkout: wait for it, or test another clone`,
      );
    }
    writeFileSync(lock, String(process.pid)); // left by a run that was killed
  }
  cleanups.unshift(async () => rmSync(lock, { force: true }));
}

function isAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === 'EPERM';
  }
}
