import { CompressionTypes, ICustomPartitioner, Partitioners, Producer } from 'kafkajs';
import { CANONICAL_EVENT_SCHEMA, CanonicalEventV1, Headers } from '@gateway/contracts';
import { traceHeaders } from '@gateway/observability';
import type { ConfigMark } from './change-fed-cache';
import { KafkaConnection, withTimeout } from './kafka-connection';

export interface OutgoingRecord {
  key?: string;
  value: string | Buffer;
  headers?: Record<string, string>;
}

interface Pending {
  topic: string;
  record: OutgoingRecord;
  resolve: () => void;
  reject: (err: Error) => void;
}

/**
 * An idempotent producer (acks=all) that batches concurrent sends on its own: while one request is in flight, new
 * records queue up and go out together in the next request. A lone record is sent at once (no added latency); under
 * load, one request carries many records, so throughput does not depend on one round trip per event.
 * `send` resolves only once the broker acknowledged the record.
 */
export class MessageProducer {
  private readonly producer: Producer;
  private queue: Pending[] = [];
  private inFlight = false;
  private lingering: NodeJS.Timeout | null = null;
  private connected = false;
  /** Records per produce request at most. */
  private readonly maxBatch: number;

  constructor(
    connection: KafkaConnection,
    private readonly options: {
      maxBatchRecords?: number;
      sendTimeoutMs?: number;
      /**
       * How long a record that finds no request in flight waits for others to go out with it (0: sent at once). Each
       * produce request costs the broker about as much CPU as a large one.
       */
      lingerMs?: number;
    } = {},
  ) {
    this.maxBatch = options.maxBatchRecords ?? 1000;
    this.producer = connection.kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      createPartitioner: keyedPartitionCache,
      // Bounded retries (kafkajs warns this weakens exactly-once; we only need idempotent appends): a record that
      // cannot be written fails within seconds instead of waiting forever in memory during a broker outage.
      retry: { retries: 5, initialRetryTime: 100, maxRetryTime: 2000 },
    });
    this.producer.on(this.producer.events.DISCONNECT, () => (this.connected = false));
    this.producer.on(this.producer.events.CONNECT, () => (this.connected = true));
  }

  get isConnected(): boolean {
    return this.connected;
  }

  async connect(): Promise<void> {
    await this.producer.connect();
    this.connected = true;
  }

  /** Waits (bounded) for queued records to be acknowledged, fails the rest, then disconnects. */
  async disconnect(drainMs = 10_000): Promise<void> {
    const deadline = Date.now() + drainMs;
    while ((this.inFlight || this.queue.length) && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 10));
    for (const item of this.queue.splice(0)) item.reject(new Error('producer closed before the record was sent'));
    await this.producer.disconnect();
  }

  /** Resolves when every record is acknowledged by all in-sync replicas; rejects on failure or timeout. */
  send(topic: string, records: OutgoingRecord[]): Promise<void> {
    const promises = records.map(
      (record) => new Promise<void>((resolve, reject) => this.queue.push({ topic, record, resolve, reject })),
    );
    this.flush();
    const all = Promise.all(promises).then(() => undefined);
    const timeout = this.options.sendTimeoutMs;
    return timeout ? withTimeout(all, timeout, `Kafka did not acknowledge within ${timeout} ms`) : all;
  }

  private flush(): void {
    if (this.inFlight || this.lingering || !this.queue.length) return;
    const lingerMs = this.options.lingerMs ?? 0;
    if (lingerMs > 0 && this.queue.length < this.maxBatch) {
      this.lingering = setTimeout(() => {
        this.lingering = null;
        this.sendQueued();
      }, lingerMs);
      return;
    }
    this.sendQueued();
  }

  /** Sends what is queued (up to maxBatchRecords) as one request; when it is answered, what queued meanwhile. */
  private sendQueued(): void {
    if (this.inFlight || !this.queue.length) return;
    const batch = this.queue.splice(0, this.maxBatch);
    this.inFlight = true;
    const byTopic = new Map<string, Pending[]>();
    for (const item of batch) {
      const items = byTopic.get(item.topic);
      if (items) items.push(item);
      else byTopic.set(item.topic, [item]);
    }
    this.producer
      .sendBatch({
        acks: -1,
        compression: CompressionTypes.None,
        topicMessages: [...byTopic].map(([topic, items]) => ({
          topic,
          messages: items.map(({ record }) => ({
            key: record.key,
            value: record.value,
            headers: record.headers,
          })),
        })),
      })
      .then(
        () => batch.forEach((item) => item.resolve()),
        (err: Error) => batch.forEach((item) => item.reject(err)),
      )
      .finally(() => {
        this.inFlight = false;
        // What queued during this request has waited already: no linger for it.
        this.sendQueued();
      });
  }
}

/**
 * The Kafka record of a canonical event: keyed by source (one source's events stay in order), typed by headers, and
 * carrying the trace context (traceparent) of the request that produced it when tracing is on, and the configuration
 * mark it was decided under (`ChangeFedCache.current()`), when it was.
 */
export function canonicalEventRecord(event: CanonicalEventV1, configMark?: ConfigMark): OutgoingRecord {
  const headers: Record<string, string> = {
    [Headers.schema]: CANONICAL_EVENT_SCHEMA,
    [Headers.eventType]: event.type,
    [Headers.tenantId]: event.tenantId,
    ...traceHeaders(),
  };
  if (configMark !== undefined) headers[Headers.configMark] = configMark;
  return { key: event.sourceId, value: JSON.stringify(event), headers };
}

/**
 * kafkajs' default partitioner (murmur2 of the key, as the Java clients do, so a source's events stay in one
 * partition), remembered per key and partition count: keys are source ids, few and repeated, and each record used to
 * hash its key again (with a buffer and an array per record).
 */
export const keyedPartitionCache: ICustomPartitioner = () => {
  const partitioner = Partitioners.DefaultPartitioner();
  const known = new Map<string, number>();
  return (args) => {
    const { topic, partitionMetadata, message } = args;
    if (message.partition !== undefined || typeof message.key !== 'string') return partitioner(args);
    const key = `${topic}\n${partitionMetadata.length}\n${message.key}`;
    let partition = known.get(key);
    if (partition === undefined) {
      if (known.size >= 10_000) known.clear();
      known.set(key, (partition = partitioner(args)));
    }
    return partition;
  };
};
