import type { EachBatchPayload } from 'kafkajs';
import { BatchConsumer } from './batch-consumer';
import type { KafkaConnection } from './kafka-connection';

/** A BatchConsumer on a fake kafkajs consumer: the test hands it batches, on a fake clock. */
async function consumerWithPause(fetchPauseMs: number) {
  let eachBatch!: (payload: EachBatchPayload) => Promise<void>;
  const fake = {
    events: { REBALANCING: 'rebalancing', CRASH: 'crash' },
    on: () => undefined,
    connect: () => Promise.resolve(),
    subscribe: () => Promise.resolve(),
    run: (options: { eachBatch: typeof eachBatch }) => {
      eachBatch = options.eachBatch;
      return Promise.resolve();
    },
    commitOffsets: () => Promise.resolve(),
    disconnect: () => Promise.resolve(),
  };
  const connection = { kafka: { consumer: () => fake } } as unknown as KafkaConnection;
  const consumer = new BatchConsumer(connection, {
    groupId: 'g',
    topics: ['t'],
    fetchPauseMs,
    handle: () => Promise.resolve(),
  });
  await consumer.start();
  let offset = 0;
  /** One batch of one record; resolves when the consumer would fetch again (after its pause, if any). */
  const batch = () => {
    const at = String(offset++);
    return eachBatch({
      batch: { topic: 't', partition: 0, messages: [{ offset: at, value: null }], lastOffset: () => at },
      isRunning: () => true,
      isStale: () => false,
      resolveOffset: () => undefined,
      heartbeat: () => Promise.resolve(),
    } as unknown as EachBatchPayload);
  };
  return { consumer, batch };
}

/** Whether `promise` settles once the fake clock has moved by `ms`. */
async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let settled = false;
  void promise.then(() => (settled = true));
  await jest.advanceTimersByTimeAsync(ms);
  return settled;
}

describe('BatchConsumer fetch pause', () => {
  beforeEach(() => jest.useFakeTimers({ now: 1_000_000 }));
  afterEach(() => jest.useRealTimers());

  it('pauses after a small batch that came within the pause of the previous one, not after one that came alone', async () => {
    const { consumer, batch } = await consumerWithPause(1000);
    // The first batch came after a long wait (nothing before it): the next fetch goes at once.
    expect(await settlesWithin(batch(), 0)).toBe(true);
    // The next one came right after it: records are dense, so the consumer waits before fetching again.
    const dense = batch();
    expect(await settlesWithin(dense, 999)).toBe(false);
    expect(await settlesWithin(dense, 1)).toBe(true);
    // A batch that came 1.5 s after the last one: no pause, the record after it is not held back.
    await jest.advanceTimersByTimeAsync(1500);
    expect(await settlesWithin(batch(), 0)).toBe(true);
    await consumer.stop();
  });
});
