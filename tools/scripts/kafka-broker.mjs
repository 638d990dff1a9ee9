// A standalone Kafka broker for tests that must stop one (e.g. ingest's 503 path) without touching the shared
// test broker: `node tools/scripts/kafka-broker.mjs --port 19192 --data .data/kafka/x`. Prints `READY <brokers>`
// once describeCluster() answers; SIGTERM stops the broker and exits. `--keep` starts on the data already in the
// folder (a restart of the same broker) instead of wiping it.
import { parseArgs } from 'node:util';
import { startKafka } from './lib/kafka.mjs';

const { values } = parseArgs({
  options: {
    port: { type: 'string' },
    'controller-port': { type: 'string' },
    data: { type: 'string' },
    keep: { type: 'boolean' },
  },
});
if (!values.port || !values.data) {
  console.error('usage: kafka-broker.mjs --port <port> [--controller-port <port>] --data <dir> [--keep]');
  process.exit(2);
}
const port = Number(values.port);
const kafka = await startKafka({
  port,
  controllerPort: Number(values['controller-port'] ?? port + 1),
  dataDir: values.data,
  fresh: !values.keep,
  heapMb: 256,
});
console.log(`READY ${kafka.brokers}`);
const stop = async () => {
  await kafka.stop();
  process.exit(0);
};
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
