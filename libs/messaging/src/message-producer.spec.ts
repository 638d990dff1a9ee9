import type { ProducerBatch } from 'kafkajs';
import type { KafkaConnection } from './kafka-connection';
import { Partitioners, PartitionerArgs } from 'kafkajs';
import { MessageProducer, keyedPartitionCache } from './message-producer';

/** A kafkajs producer that records each request and answers it when told to. */
function fakeConnection() {
  const requests: Array<{ records: string[]; topics: Array<[string, string[]]>; answer: () => void }> = [];
  const producer = {
    events: { CONNECT: 'connect', DISCONNECT: 'disconnect' },
    on: () => undefined,
    connect: () => Promise.resolve(),
    disconnect: () => Promise.resolve(),
    sendBatch: (batch: ProducerBatch) =>
      new Promise<void>((resolve) =>
        requests.push({
          records: (batch.topicMessages ?? []).flatMap((t) => t.messages.map((m) => String(m.value))),
          topics: (batch.topicMessages ?? []).map((t) => [t.topic, t.messages.map((m) => String(m.value))]),
          answer: resolve,
        }),
      ),
  };
  const connection = { kafka: { producer: () => producer } } as unknown as KafkaConnection;
  return { connection, requests };
}

describe('MessageProducer batching', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('sends a lone record at once, and what queues during a request in the next one', async () => {
    const { connection, requests } = fakeConnection();
    const producer = new MessageProducer(connection);
    const first = producer.send('t', [{ value: 'a' }]);
    void producer.send('t', [{ value: 'b' }]);
    void producer.send('t', [{ value: 'c' }]);
    expect(requests.map((r) => r.records)).toEqual([['a']]);
    requests[0]!.answer();
    await first;
    expect(requests.map((r) => r.records)).toEqual([['a'], ['b', 'c']]);
  });

  it('sends records queued for several topics in one request, grouped by topic, each in the order sent', async () => {
    const { connection, requests } = fakeConnection();
    const producer = new MessageProducer(connection);
    const first = producer.send('events', [{ value: 'e0' }]);
    void producer.send('events', [{ value: 'e1' }]);
    void producer.send('dead-letter', [{ value: 'd1' }]);
    void producer.send('events', [{ value: 'e2' }, { value: 'e3' }]);
    void producer.send('dead-letter', [{ value: 'd2' }]);
    requests[0]!.answer();
    await first;
    expect(requests[1]!.topics).toEqual([
      ['events', ['e1', 'e2', 'e3']],
      ['dead-letter', ['d1', 'd2']],
    ]);
  });

  it('with lingerMs, a record that finds nothing in flight waits for others, and they go out together', async () => {
    const { connection, requests } = fakeConnection();
    const producer = new MessageProducer(connection, { lingerMs: 5 });
    const sent = producer.send('t', [{ value: 'a' }]);
    jest.advanceTimersByTime(2);
    void producer.send('t', [{ value: 'b' }]);
    expect(requests).toHaveLength(0);
    jest.advanceTimersByTime(3);
    expect(requests.map((r) => r.records)).toEqual([['a', 'b']]);

    // Records that queued during a request have waited already: they go as soon as it is answered.
    void producer.send('t', [{ value: 'c' }]);
    requests[0]!.answer();
    await sent;
    expect(requests.map((r) => r.records)).toEqual([['a', 'b'], ['c']]);
  });
});

describe('keyedPartitionCache', () => {
  const metadata = (count: number) =>
    Array.from({ length: count }, (_, partitionId) => ({
      partitionErrorCode: 0,
      partitionId,
      leader: 1,
      replicas: [1],
      isr: [1],
    }));

  it("chooses the default partitioner's partition for every key and partition count, however often asked", () => {
    const cached = keyedPartitionCache();
    const fresh = Partitioners.DefaultPartitioner();
    for (const count of [1, 3, 6, 12]) {
      for (let i = 0; i < 200; i++) {
        const args: PartitionerArgs = {
          topic: 'gateway.events.v1',
          partitionMetadata: metadata(count),
          message: { key: `src_${i % 50}`, value: 'x' },
        };
        expect(cached(args)).toBe(fresh(args));
      }
    }
  });

  it('keeps an explicit partition, and spreads records without a key', () => {
    const cached = keyedPartitionCache();
    const args = (message: PartitionerArgs['message']): PartitionerArgs => ({
      topic: 't',
      partitionMetadata: metadata(6),
      message,
    });
    expect(cached(args({ key: 'src_1', value: 'x', partition: 4 }))).toBe(4);
    const spread = new Set(Array.from({ length: 12 }, () => cached(args({ value: 'x' }))));
    expect(spread.size).toBe(6);
  });
});
