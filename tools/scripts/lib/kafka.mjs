// Runs a real Apache Kafka broker (single node, KRaft: broker + controller in one JVM) from Maven Central jars.
// Used by `npm start`, `npm test`, `npm run bench` and CI. Jars are fetched once into .data/kafka-dist/<version>
// (Maven's own ~/.m2 cache makes a re-fetch after `git clean` cheap); broker data lives in a throwaway folder.
import { spawn, spawnSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { ROOT, log, sleep, waitForExit } from './util.mjs';

const POM = join(ROOT, 'tools/kafka/pom.xml');
const LOG4J = join(ROOT, 'tools/kafka/log4j2.properties');

export function kafkaVersion() {
  const match = /<kafka\.version>([^<]+)<\/kafka\.version>/.exec(readFileSync(POM, 'utf8'));
  if (!match) throw new Error(`no <kafka.version> in ${POM}`);
  return match[1];
}

/** Downloads the broker jars once; returns the classpath. */
export function ensureKafkaJars() {
  const version = kafkaVersion();
  const dir = join(ROOT, '.data/kafka-dist', version);
  const libs = join(dir, 'libs');
  const marker = join(dir, '.complete');
  if (existsSync(marker)) return `${libs}/*`;
  for (const tool of ['java', 'mvn']) {
    if (spawnSync(tool, ['-version'], { stdio: 'ignore' }).status !== 0) {
      throw new Error(`Kafka needs '${tool}' on PATH (Java 17+ and Apache Maven). Install them, or set KAFKA_BROKERS.`);
    }
  }
  log('kafka', `fetching Apache Kafka ${version} jars (first run only)…`);
  rmSync(dir, { recursive: true, force: true });
  const res = spawnSync(
    'mvn',
    ['-B', '-q', '-f', POM, 'dependency:copy-dependencies', '-DincludeScope=runtime', `-DoutputDirectory=${libs}`],
    { stdio: ['ignore', 'inherit', 'inherit'] },
  );
  if (res.status !== 0) throw new Error(`mvn could not fetch the Kafka jars (exit ${res.status})`);
  if (!readdirSync(libs).some((f) => f.startsWith('kafka_2.13-'))) throw new Error(`no kafka_2.13 jar in ${libs}`);
  writeFileSync(marker, new Date().toISOString());
  return `${libs}/*`;
}

function serverProperties({ port, controllerPort, dataDir }) {
  return [
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.voters=1@127.0.0.1:${controllerPort}`,
    `listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}`,
    `advertised.listeners=PLAINTEXT://127.0.0.1:${port}`,
    'inter.broker.listener.name=PLAINTEXT',
    'controller.listener.names=CONTROLLER',
    'listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
    `log.dirs=${join(dataDir, 'log')}`,
    'num.partitions=6',
    'offsets.topic.replication.factor=1',
    'offsets.topic.num.partitions=6',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'group.initial.rebalance.delay.ms=0',
    'log.cleaner.dedupe.buffer.size=2097152',
    'auto.create.topics.enable=false',
    'num.network.threads=2',
    'num.io.threads=2',
    '',
  ].join('\n');
}

/**
 * Starts a broker and resolves once it answers describeCluster(). Returns { brokers, stop() }.
 * `fresh` wipes the data folder first (tests); otherwise data survives restarts (npm start).
 */
export async function startKafka({ port = 9092, controllerPort = port + 1, dataDir, fresh = false, heapMb = 512 }) {
  const classpath = ensureKafkaJars();
  if (fresh) rmSync(dataDir, { recursive: true, force: true });
  mkdirSync(dataDir, { recursive: true });
  const propsFile = join(dataDir, 'server.properties');
  writeFileSync(propsFile, serverProperties({ port, controllerPort, dataDir }));

  // StorageTool calls System.exit, so it always runs as its own process; -g ignores an already formatted dir.
  const clusterId = 'gateway-local-cluster-1'.slice(0, 22).padEnd(22, 'A');
  const format = spawnSync(
    'java',
    ['-cp', classpath, 'kafka.tools.StorageTool', 'format', '-t', toClusterId(clusterId), '-c', propsFile, '-g'],
    { encoding: 'utf8' },
  );
  if (format.status !== 0) throw new Error(`kafka storage format failed:\n${format.stdout}${format.stderr}`);

  const logFile = join(dataDir, 'broker.log');
  const out = createWriteStream(logFile, { flags: 'a' });
  const child = spawn(
    'java',
    [
      `-Xms${Math.min(256, heapMb)}m`,
      `-Xmx${heapMb}m`,
      '-XX:+UseG1GC',
      '-XX:MaxGCPauseMillis=20',
      '-Djava.awt.headless=true',
      `-Dkafka.logs.dir=${join(dataDir, 'logs')}`,
      `-Dlog4j2.configurationFile=${LOG4J}`,
      '-cp',
      classpath,
      'kafka.Kafka',
      propsFile,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stdout.pipe(out);
  child.stderr.pipe(out);
  let exited = false;
  child.once('exit', () => (exited = true));

  const brokers = `127.0.0.1:${port}`;
  const stop = async () => {
    if (exited) return;
    child.kill('SIGTERM');
    if (!(await waitForExit(child, 20_000))) child.kill('SIGKILL');
    await waitForExit(child, 5_000);
  };
  try {
    await waitForKafka(brokers, 60_000, () => exited);
  } catch (err) {
    await stop();
    throw new Error(`${err.message}; broker log: ${logFile}\n${tail(logFile)}`);
  }
  return { brokers, stop, pid: child.pid, logFile };
}

/** Polls describeCluster() until the broker answers (the readiness check every script uses). */
export async function waitForKafka(brokers, timeoutMs = 60_000, hasExited = () => false) {
  // The services' fix to kafkajs's idle request-queue timers (libs/messaging/src/kafkajs-request-queue.ts), compiled
  // by ensureBuilt before any script starts a broker: without it Node 24 warns of a negative timeout.
  createRequire(import.meta.url)(join(ROOT, 'dist/libs/messaging/src/kafkajs-request-queue.js'));
  const { Kafka, logLevel } = await import('kafkajs');
  const kafka = new Kafka({
    clientId: 'gateway-infra',
    brokers: brokers.split(','),
    logLevel: logLevel.NOTHING,
    retry: { retries: 0 },
  });
  const deadline = Date.now() + timeoutMs;
  let lastError;
  while (Date.now() < deadline) {
    if (hasExited()) throw new Error('the Kafka broker exited during start-up');
    const admin = kafka.admin();
    try {
      await admin.connect();
      await admin.describeCluster();
      return;
    } catch (err) {
      lastError = err;
    } finally {
      await admin.disconnect().catch(() => {});
    }
    await sleep(300);
  }
  throw new Error(`Kafka at ${brokers} not ready after ${timeoutMs} ms (${lastError?.message ?? 'no answer'})`);
}

// A KRaft cluster id is 16 bytes, base64url without padding (22 chars).
function toClusterId(seed) {
  return Buffer.from(seed).subarray(0, 16).toString('base64url');
}

function tail(file) {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-30).join('\n');
  } catch {
    return '';
  }
}
