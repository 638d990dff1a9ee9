import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { CANONICAL_EVENT_SCHEMA, CanonicalEventV1, CanonicalEventV1Message, Headers, Topics } from '@gateway/contracts';
import { ApiError } from '@gateway/http';
import { ConsumedRecord, KafkaConnection, KafkaEventClient, MessageProducer } from '@gateway/messaging';
import { DedicatedBroker, testInfra } from '@gateway/testing';
import { randomUUID } from 'node:crypto';
import { IngestConfig } from '../ingest.config';
import { EventPublisher } from './event-publisher';

function event(overrides: Partial<CanonicalEventV1> = {}): CanonicalEventV1 {
  return {
    schema: CANONICAL_EVENT_SCHEMA,
    id: `evt_${randomUUID().replace(/-/g, '')}`,
    type: 'kaynko.sale.completed',
    provider: 'kaynko',
    sourceId: 'src_integration',
    tenantId: 'ten_integration',
    receivedAt: new Date().toISOString(),
    occurredAt: '2026-06-11T14:30:00.000Z',
    data: { saleId: 42 },
    ...overrides,
  };
}

const config = Object.assign(new IngestConfig(), { INGEST_KAFKA_ACK_TIMEOUT_MS: 3000 });

describe('EventPublisher on a real broker', () => {
  jest.setTimeout(90_000);

  it('publishes the canonical event keyed by source, and the record read back matches the contract', async () => {
    const connection = new KafkaConnection({
      clientId: 'ingest-integration',
      brokers: testInfra().kafkaBrokers.split(','),
    });
    await connection.ensureTopics();
    const producer = new MessageProducer(connection);
    await producer.connect();
    const published = event();
    const consumer = connection.kafka.consumer({ groupId: `it-${randomUUID()}`, maxWaitTimeInMs: 100 });
    try {
      await new EventPublisher(new KafkaEventClient(producer), config).publish(published);

      await consumer.connect();
      await consumer.subscribe({ topic: Topics.events, fromBeginning: true });
      const record = await new Promise<ConsumedRecord>((resolve) => {
        void consumer.run({
          eachMessage: async ({ topic, partition, message }) => {
            const value = message.value?.toString() ?? '';
            if (!value.includes(published.id)) return;
            resolve({
              topic,
              partition,
              offset: message.offset,
              key: message.key?.toString() ?? null,
              value: message.value,
              timestamp: message.timestamp,
              headers: Object.fromEntries(Object.entries(message.headers ?? {}).map(([k, v]) => [k, String(v)])),
            });
            return Promise.resolve();
          },
        });
      });

      expect(record.key).toBe(published.sourceId);
      expect(record.headers[Headers.schema]).toBe(CANONICAL_EVENT_SCHEMA);
      expect(record.headers[Headers.eventType]).toBe('kaynko.sale.completed');
      const parsed: unknown = JSON.parse(record.value!.toString());
      expect(parsed).toEqual(published);
      expect(validateSync(plainToInstance(CanonicalEventV1Message, parsed))).toEqual([]);
    } finally {
      await consumer.disconnect();
      await producer.disconnect();
      await connection.close();
    }
  });

  it('answers 503 fast (well inside 5 s) when the broker is down, never a false success', async () => {
    const broker = await new DedicatedBroker().start();
    const connection = new KafkaConnection({ clientId: 'ingest-503', brokers: [broker.brokers] });
    const producer = new MessageProducer(connection);
    try {
      await connection.ensureTopics();
      await producer.connect();
      const publisher = new EventPublisher(new KafkaEventClient(producer), config);
      await publisher.publish(event()); // works while the broker is up

      await broker.stop();
      const started = Date.now();
      const failure = await publisher.publish(event()).then(
        () => null,
        (err: unknown) => err,
      );
      const elapsed = Date.now() - started;
      expect(failure).toBeInstanceOf(ApiError);
      expect((failure as ApiError).getStatus()).toBe(503);
      expect(elapsed).toBeLessThan(4500);
    } finally {
      await broker.stop();
      await producer.disconnect().catch(() => undefined);
      await connection.close();
    }
  });
});
