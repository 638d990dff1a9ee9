import { testInfra } from '@gateway/testing';
import { randomUUID } from 'node:crypto';
import { KafkaConnection, waitForLeaders } from './kafka-connection';
import { EndOffsetsReader } from './kafkajs-end-offsets';

describe('EndOffsetsReader on a real broker', () => {
  jest.setTimeout(60_000);

  it('reads each partition’s end offset in one request, the same as the admin’s, and sees records and topics that are new', async () => {
    const connection = new KafkaConnection({
      clientId: 'end-offsets-integration',
      brokers: testInfra().kafkaBrokers.split(','),
    });
    const admin = connection.kafka.admin();
    await admin.connect();
    const producer = connection.kafka.producer();
    await producer.connect();
    const reader = new EndOffsetsReader(connection.kafka, () => Promise.resolve(admin));
    const sorted = (offsets: Array<{ partition: number; offset: bigint }>) =>
      [...offsets].sort((a, b) => a.partition - b.partition);
    const topics = [`it.end-offsets.${randomUUID()}`, `it.end-offsets.${randomUUID()}`];
    try {
      expect(reader.direct).toBe(true);
      await admin.createTopics({ topics: [{ topic: topics[0]!, numPartitions: 3, replicationFactor: 1 }] });
      await waitForLeaders(admin, [topics[0]!]);
      expect(sorted(await reader.read(topics[0]!))).toEqual([
        { partition: 0, offset: 0n },
        { partition: 1, offset: 0n },
        { partition: 2, offset: 0n },
      ]);

      await producer.send({
        topic: topics[0]!,
        messages: [
          { partition: 0, value: 'a' },
          { partition: 2, value: 'b' },
          { partition: 2, value: 'c' },
        ],
      });
      const read = sorted(await reader.read(topics[0]!));
      expect(read).toEqual([
        { partition: 0, offset: 1n },
        { partition: 1, offset: 0n },
        { partition: 2, offset: 2n },
      ]);
      const byAdmin = await admin.fetchTopicOffsets(topics[0]!);
      expect(read).toEqual(sorted(byAdmin.map(({ partition, high }) => ({ partition, offset: BigInt(high) }))));

      // A topic made after the reader's metadata was fetched is found (its metadata is fetched for it).
      await admin.createTopics({ topics: [{ topic: topics[1]!, numPartitions: 1, replicationFactor: 1 }] });
      await waitForLeaders(admin, [topics[1]!]);
      await producer.send({ topic: topics[1]!, messages: [{ value: 'x' }] });
      expect(await reader.read(topics[1]!)).toEqual([{ partition: 0, offset: 1n }]);
    } finally {
      await reader.close();
      await producer.disconnect();
      await admin.deleteTopics({ topics }).catch(() => undefined);
      await admin.disconnect();
    }
  });
});
