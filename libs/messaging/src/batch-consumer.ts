import { Consumer, EachBatchPayload, IHeaders } from 'kafkajs';
import { KafkaConnection } from './kafka-connection';

export interface ConsumedRecord {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  value: Buffer | null;
  headers: Record<string, string>;
  timestamp: string;
}

export interface BatchConsumerOptions {
  groupId: string;
  topics: string[];
  fromBeginning?: boolean;
  /** Partitions handled in parallel by this instance. */
  partitionsConsumedConcurrently?: number;
  maxWaitTimeInMs?: number;
  /**
   * Handles one batch of one partition. Resolving means every record is durably handled (or dead-lettered): only
   * then is the offset committed. Throwing means a transient failure: nothing is committed and the batch comes again.
   */
  handle: (
    records: ConsumedRecord[],
    partition: { topic: string; partition: number; heartbeat: () => Promise<void> },
  ) => Promise<void>;
}

/**
 * A consumer-group member built on kafkajs `eachBatch` with manual offset resolution: offsets advance only past
 * records the handler finished, so a crash re-delivers instead of losing (at-least-once).
 */
export class BatchConsumer {
  private readonly consumer: Consumer;
  private running = false;
  private crashed: Error | null = null;

  constructor(
    connection: KafkaConnection,
    private readonly options: BatchConsumerOptions,
  ) {
    this.consumer = connection.kafka.consumer({
      groupId: options.groupId,
      // A fetch returns as soon as a record arrives, so a longer wait adds no latency; it only makes idle polls rarer.
      maxWaitTimeInMs: options.maxWaitTimeInMs ?? 1000,
      // A crashed member's partitions move to the others after 10 s (handlers are short: a batch is one transaction).
      sessionTimeout: 10_000,
      heartbeatInterval: 1000,
      allowAutoTopicCreation: false,
      retry: { retries: 10, initialRetryTime: 300, maxRetryTime: 10_000 },
    });
    this.consumer.on(this.consumer.events.CRASH, ({ payload }) => {
      this.crashed = payload.restart ? null : payload.error;
    });
  }

  /** True while the member runs (false after a crash it will not recover from). */
  get healthy(): boolean {
    return this.running && !this.crashed;
  }

  async start(): Promise<void> {
    await this.consumer.connect();
    await this.consumer.subscribe({ topics: this.options.topics, fromBeginning: this.options.fromBeginning ?? true });
    await this.consumer.run({
      autoCommit: true,
      autoCommitInterval: 1000,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.options.partitionsConsumedConcurrently ?? 3,
      eachBatch: (payload) => this.eachBatch(payload),
    });
    this.running = true;
  }

  private async eachBatch(payload: EachBatchPayload) {
    const { batch } = payload;
    if (!payload.isRunning() || payload.isStale() || !batch.messages.length) return;
    const records = batch.messages.map((m): ConsumedRecord => ({
      topic: batch.topic,
      partition: batch.partition,
      offset: m.offset,
      key: m.key ? m.key.toString('utf8') : null,
      value: m.value,
      headers: headersToStrings(m.headers),
      timestamp: m.timestamp,
    }));
    await this.options.handle(records, {
      topic: batch.topic,
      partition: batch.partition,
      heartbeat: () => payload.heartbeat(),
    });
    payload.resolveOffset(batch.lastOffset());
    await payload.commitOffsetsIfNecessary();
  }

  /** Stops fetching, lets the batch in progress finish, commits, and leaves the group. */
  async stop(): Promise<void> {
    this.running = false;
    await this.consumer.disconnect();
  }
}

export function headersToStrings(headers: IHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (value === undefined) continue;
    const first = Array.isArray(value) ? value[0] : value;
    if (first !== undefined) out[name] = Buffer.isBuffer(first) ? first.toString('utf8') : String(first);
  }
  return out;
}
