// Baseline (b): kafkajs produce → consume on the same broker, with records the size of a canonical event and the
// gateway's own client settings (idempotent producer with acks=all, a consumer group with eachBatch and 100 ms max
// wait): the ceiling Kafka puts on this machine under the gateway's choices.
//   throughput: `count` records produced in batches of `batch`, consumed by a group; records/s from the first send
//               to the last record consumed.
//   latency:    records at a fixed `rate`, micro-batched as ingest sends them; produce → consume p50/p95/p99.
import { Kafka, logLevel } from 'kafkajs';
import { SALE } from './kaynko-sale.mjs';
import { nowMs, serveCommands, sleep, summarize } from './stats.mjs';

/** A canonical event of the seed's sale, as ingest publishes it. */
function canonicalEventValue(seq) {
  return JSON.stringify({
    schema: 'canonical-event.v1',
    id: `evt_${String(seq).padStart(26, '0')}`,
    type: 'kaynko.sale.completed',
    provider: 'kaynko',
    sourceId: 'src_01kbenchbaseline0000000000',
    tenantId: 'ten_01kbenchbaseline0000000000',
    receivedAt: new Date().toISOString(),
    occurredAt: '2026-06-11T14:30:00.000Z',
    data: { ...SALE.data, saleId: seq, receiptNumber: `BENCH-0-${seq}` },
  });
}

async function withTopic(brokers, fn) {
  process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';
  const topic = `bench.baseline.${Date.now()}`;
  const kafka = new Kafka({ clientId: 'bench-baseline', brokers: brokers.split(','), logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ waitForLeaders: false, topics: [{ topic, numPartitions: 6, replicationFactor: 1 }] });
  await waitForLeaders(admin, topic);
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
  const consumer = kafka.consumer({ groupId: `${topic}.group`, maxWaitTimeInMs: 100, sessionTimeout: 10_000 });
  await Promise.all([producer.connect(), consumer.connect()]);
  await consumer.subscribe({ topic, fromBeginning: true });
  try {
    return await fn({ topic, producer, consumer });
  } finally {
    await Promise.allSettled([consumer.disconnect(), producer.disconnect()]);
    await admin.deleteTopics({ topics: [topic] }).catch(() => {});
    await admin.disconnect();
  }
}

/**
 * Until every partition of the new topic has a leader. kafkajs's own wait (createTopics' waitForLeaders) gives up on
 * the first "does not host this topic-partition" from a broker that has not heard of the topic yet.
 */
async function waitForLeaders(admin, topic, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const [{ partitions }] = (await admin.fetchTopicMetadata({ topics: [topic] })).topics;
      if (partitions.length && partitions.every((p) => p.leader >= 0)) return;
    } catch (err) {
      if (Date.now() > deadline) throw err;
    }
    if (Date.now() > deadline) throw new Error(`${topic} has no leaders after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Starts consuming; resolves once the consumer holds its partitions, so no measurement includes the group join. */
async function consume(consumer, eachMessage) {
  const joined = new Promise((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()));
  await consumer.run({
    partitionsConsumedConcurrently: 3,
    eachBatch: async ({ batch }) => {
      const at = nowMs();
      for (const message of batch.messages) eachMessage(message, at);
    },
  });
  await joined;
}

serveCommands({
  async throughput({ brokers, count = 50_000, batch = 1000 }) {
    return withTopic(brokers, async ({ topic, producer, consumer }) => {
      let consumed = 0;
      let lastAt = 0;
      let done;
      const all = new Promise((resolve) => (done = resolve));
      await consume(consumer, (_, at) => {
        lastAt = at;
        if (++consumed === count) done();
      });
      const startedAt = nowMs();
      for (let sent = 0; sent < count; sent += batch) {
        const messages = [];
        for (let i = sent; i < Math.min(count, sent + batch); i++) {
          messages.push({ key: `src_${i % 64}`, value: canonicalEventValue(i) });
        }
        await producer.send({ topic, acks: -1, messages });
      }
      await all;
      const elapsedMs = lastAt - startedAt;
      return {
        records: count,
        recordBytes: Buffer.byteLength(canonicalEventValue(0)),
        elapsedMs: Math.round(elapsedMs),
        perSecond: Math.round((count / elapsedMs) * 1000),
      };
    });
  },

  async latency({ brokers, rate = 500, durationMs = 10_000 }) {
    return withTopic(brokers, async ({ topic, producer, consumer }) => {
      const total = Math.round((rate * durationMs) / 1000);
      const sentAt = new Float64Array(total);
      const latencies = [];
      let done;
      const all = new Promise((resolve) => (done = resolve));
      await consume(consumer, (message, at) => {
        latencies.push(at - sentAt[Number(message.key)]);
        if (latencies.length === total) done();
      });
      // Records that arrive while a request is in flight go out together in the next one: the same micro-batching
      // as the gateway's MessageProducer (one request per record would queue behind each other and measure that).
      const startedAt = nowMs();
      let queue = [];
      let inFlight = null;
      const flush = () => {
        if (inFlight || !queue.length) return;
        const messages = queue;
        queue = [];
        inFlight = producer.send({ topic, acks: -1, messages }).finally(() => {
          inFlight = null;
          flush();
        });
      };
      for (let issued = 0; issued < total;) {
        const due = Math.min(total, Math.floor(((nowMs() - startedAt) * rate) / 1000) + 1);
        for (; issued < due; issued++) {
          sentAt[issued] = startedAt + (issued * 1000) / rate;
          queue.push({ key: String(issued), value: canonicalEventValue(issued) });
        }
        flush();
        await sleep(1);
      }
      while (inFlight || queue.length) await (inFlight ?? sleep(1));
      await Promise.race([all, sleep(30_000)]);
      return { rate, latency: summarize(latencies), lost: total - latencies.length };
    });
  },
});
