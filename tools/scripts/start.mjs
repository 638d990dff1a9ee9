// `npm start`: the whole gateway on this machine — Kafka, PostgreSQL, migrations, the four services — in one
// command, from a fresh clone. Ctrl-C stops everything it started (services first, then Kafka).
import { ensureBuilt, ensureDependencies, log, ROOT } from './lib/util.mjs';

ensureDependencies();
ensureBuilt();

const { startKafka, waitForKafka } = await import('./lib/kafka.mjs');
const { resolveDatabase } = await import('./lib/postgres.mjs');
const { SERVICES, localKeys, startService, stopService, waitReady } = await import('./lib/services.mjs');
const { join } = await import('node:path');
const { createRequire } = await import('node:module');
const require = createRequire(join(ROOT, 'package.json'));

const cleanups = [];
let stopping = false;

async function shutdown(code) {
  if (stopping) return;
  stopping = true;
  log('gateway', 'stopping…');
  for (const cleanup of cleanups.reverse()) {
    try {
      await cleanup();
    } catch (err) {
      log('gateway', `cleanup failed: ${err.message}`);
    }
  }
  log('gateway', 'stopped.');
  process.exit(code);
}
process.on('SIGINT', () => void shutdown(0));
process.on('SIGTERM', () => void shutdown(0));

try {
  // Kafka
  let brokers = process.env.KAFKA_BROKERS;
  if (brokers) {
    log('kafka', `using KAFKA_BROKERS=${brokers}`);
    await waitForKafka(brokers, 30_000);
  } else {
    log('kafka', 'starting Apache Kafka (KRaft, single node) on 127.0.0.1:9092…');
    const kafka = await startKafka({ port: 9092, dataDir: join(ROOT, '.data/kafka/local') });
    cleanups.push(() => kafka.stop());
    brokers = kafka.brokers;
    log('kafka', `ready (broker log: ${kafka.logFile})`);
  }

  // PostgreSQL + schema
  const db = await resolveDatabase({ database: 'gateway' });
  cleanups.push(() => db.stop());
  log('postgres', `using ${db.source}: ${db.url.replace(/:[^:@/]+@/, ':***@')}`);
  const { runMigrations } = require(join(ROOT, 'dist/libs/persistence/src/data-source.js'));
  const applied = await runMigrations(db.url);
  log('postgres', applied.length ? `applied migrations: ${applied.join(', ')}` : 'schema up to date');

  // Configuration: the environment always wins over these local defaults.
  const keys = localKeys();
  const env = {
    DATABASE_URL: db.url,
    KAFKA_BROKERS: brokers,
    GATEWAY_OPERATOR_KEY: keys.GATEWAY_OPERATOR_KEY,
    GATEWAY_ENCRYPTION_KEY: keys.GATEWAY_ENCRYPTION_KEY,
    GATEWAY_ALLOW_HTTP_ENDPOINTS: 'true',
    GATEWAY_ALLOWED_PRIVATE_CIDRS: '127.0.0.1/32,::1/128',
    // Readable lines for a person at a terminal; deployments keep the default, one JSON object a line.
    LOG_FORMAT: 'text',
    ...Object.fromEntries(SERVICES.map((s) => [s.portVar, String(s.port)])),
  };
  for (const [name, value] of Object.entries(process.env)) if (name in env) env[name] = value;
  const operatorKeySource = process.env.GATEWAY_OPERATOR_KEY
    ? 'from the environment, GATEWAY_OPERATOR_KEY'
    : 'generated once, kept in .data/local-keys.json';
  if (env.GATEWAY_ALLOW_HTTP_ENDPOINTS === 'true' || env.GATEWAY_ALLOWED_PRIVATE_CIDRS) {
    log(
      'gateway',
      `\x1b[1;31mWARNING: local mode — plain http:// endpoints are allowed and private ranges ${env.GATEWAY_ALLOWED_PRIVATE_CIDRS || '(none)'} are reachable. Never run production like this.\x1b[0m`,
    );
  }

  // The four services, as separate processes.
  const running = SERVICES.map((service) => startService(service, env));
  cleanups.push(() => Promise.all(running.map((r) => stopService(r))));
  for (const r of running) {
    r.child.once('exit', (code, signal) => {
      if (!stopping) {
        log('gateway', `${r.service.name} exited (${signal ?? code}); stopping everything.`);
        void shutdown(1);
      }
    });
  }
  await Promise.all(running.map((r) => waitReady(Number(env[r.service.portVar]), 90_000, r.child)));

  const admin = `http://localhost:${env.ADMIN_API_PORT}`;
  console.log(`
\x1b[1mPOS Event Gateway is running.\x1b[0m
  admin-api     ${admin}   (OpenAPI: ${admin}/docs, web console: ${admin}/console)
  ingest        http://localhost:${env.INGEST_PORT}
  fanout        http://localhost:${env.FANOUT_PORT}/health/ready
  qerko-bridge  http://localhost:${env.QERKO_BRIDGE_PORT}
  metrics       http://localhost:9300/metrics … 9303 (admin-api, ingest, fanout, qerko-bridge: METRICS_PORT)

Operator key (${operatorKeySource}): ${env.GATEWAY_OPERATOR_KEY}

First request — create a tenant:
  curl -s -X POST ${admin}/v1/tenants -H 'Authorization: Bearer ${env.GATEWAY_OPERATOR_KEY}' \\
       -H 'Content-Type: application/json' -d '{"name":"My shop"}'

Then follow "Your first event" in README.md. Ctrl-C stops everything.
`);
} catch (err) {
  log('gateway', `\x1b[31m${err.message}\x1b[0m`);
  await shutdown(1);
}
