import { eventually, testInfra } from '@gateway/testing';
import { randomUUID } from 'node:crypto';
import { BatchConsumer } from './batch-consumer';
import { KafkaConnection, waitForLeaders } from './kafka-connection';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('BatchConsumer on a real broker', () => {
  jest.setTimeout(90_000);

  it('with fetchPauseMs, records arriving one by one come in fewer, larger batches, and none is lost', async () => {
    const connection = new KafkaConnection({
      clientId: 'batch-consumer-integration',
      brokers: testInfra().kafkaBrokers.split(','),
    });
    const topic = `it.batch-consumer.${randomUUID()}`;
    const admin = connection.kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 1, replicationFactor: 1 }] });
    await waitForLeaders(admin, [topic]);
    const producer = connection.kafka.producer();
    await producer.connect();

    const batchesOf = (fetchPauseMs: number) => {
      const sizes: number[] = [];
      const consumer = new BatchConsumer(connection, {
        groupId: `it-${randomUUID()}`,
        topics: [topic],
        fetchPauseMs,
        handle: (records) => {
          sizes.push(records.length);
          return Promise.resolve();
        },
      });
      return { sizes, consumer };
    };
    const paused = batchesOf(250);
    const eager = batchesOf(0);
    try {
      await Promise.all([paused.consumer.start(), eager.consumer.start()]);
      // Both members hold the partition before anything is sent (each is its own group).
      await producer.send({ topic, messages: [{ value: 'warm-up' }] });
      await eventually(() => Promise.resolve(paused.sizes.length > 0 && eager.sizes.length > 0), 30_000, 50);
      paused.sizes.length = 0;
      eager.sizes.length = 0;

      for (let i = 0; i < 30; i++) {
        await producer.send({ topic, messages: [{ value: `record ${i}` }] });
        await sleep(25);
      }
      const total = (sizes: number[]) => sizes.reduce((a, b) => a + b, 0);
      await eventually(() => Promise.resolve(total(paused.sizes) >= 30 && total(eager.sizes) >= 30), 30_000, 50);

      expect(total(paused.sizes)).toBe(30);
      expect(total(eager.sizes)).toBe(30);
      // 30 records over ~0.8 s: fetching again at once takes most of them one by one; pausing 250 ms after each
      // small batch takes them in a handful.
      expect(paused.sizes.length).toBeLessThanOrEqual(8);
      expect(eager.sizes.length).toBeGreaterThan(2 * paused.sizes.length);
    } finally {
      await Promise.allSettled([paused.consumer.stop(), eager.consumer.stop()]);
      await producer.disconnect();
      await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
      await admin.disconnect();
    }
  });
});
