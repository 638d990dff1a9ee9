import { Consumer, EachBatchPayload, IHeaders } from 'kafkajs';
import { Logger } from '@nestjs/common';
import { KafkaConnection } from './kafka-connection';

/** How often offsets that became durable are committed (a crash consumes at most about this much again). */
const COMMIT_EVERY_MS = 500;

/** A batch with fewer records than this is "small": see `fetchPauseMs`. */
const SMALL_BATCH = 100;

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
   * After a small batch (under 100 records) that came within this long of the previous one, wait this long before
   * the next fetch, so that it carries more records. A fetch returns as soon as one record arrives, and the broker's
   * CPU goes by fetches, not records: at 500 records/s a fetch per record cost a local broker about a third of its
   * CPU. A batch that came after a longer wait (records sparser than one per this long) is not followed by a pause:
   * the next record would only wait for nothing. Adds at most this much latency; 0 turns it off.
   */
  fetchPauseMs?: number;
  /**
   * Handles one batch of one partition. Resolving means every record is durably handled (or dead-lettered): only
   * then is the offset committed. Throwing means a transient failure: nothing is committed and the batch comes again.
   *
   * A handler may instead resolve with `{ durable }`: the records are taken (the next batch is fetched) but their
   * offset is committed only once `durable` resolves and every earlier batch of the partition is committed. A crash
   * meanwhile re-delivers them. `durable` must not reject.
   */
  handle: (
    records: ConsumedRecord[],
    partition: { topic: string; partition: number; heartbeat: () => Promise<void> },
  ) => Promise<void | { durable: Promise<void> }>;
  /**
   * Called when this member learns that the group is rebalancing: partitions may move to other members, which consume
   * again from the last committed offset. A handler with records taken but not yet durable should make them visible
   * to the next owner now.
   */
  onRebalancing?: () => void;
}

/**
 * A consumer-group member built on kafkajs `eachBatch` with its own offset commits: offsets advance only past records
 * the handler made durable, in order per partition, so a crash re-delivers instead of losing (at-least-once).
 */
export class BatchConsumer {
  private readonly consumer: Consumer;
  private running = false;
  private crashed: Error | null = null;
  /** Per `topic:partition`: its latest batch, settled once it and every earlier one are durable. */
  private readonly chains = new Map<string, Promise<void>>();
  /** Per `topic:partition`: the offset to commit next (past records that are durable). */
  private readonly committable = new Map<string, { topic: string; partition: number; offset: string }>();
  private commitTimer?: NodeJS.Timeout;
  private readonly logger = new Logger(BatchConsumer.name);
  /** Batches being handled now. */
  private readonly handling = new Set<Promise<unknown>>();
  /** When the last batch's handling (and pause) ended: how long the next fetch waited tells how dense records are. */
  private lastBatchDoneAt = 0;

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
    const { onRebalancing } = options;
    if (onRebalancing) this.consumer.on(this.consumer.events.REBALANCING, () => onRebalancing());
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
      // Offsets are committed by commitDurable, in order per partition, once their records are durable.
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.options.partitionsConsumedConcurrently ?? 3,
      eachBatch: (payload) => this.eachBatch(payload),
    });
    this.commitTimer = setInterval(() => void this.commitDurable(), COMMIT_EVERY_MS);
    this.running = true;
  }

  private async eachBatch(payload: EachBatchPayload) {
    const { batch } = payload;
    if (!payload.isRunning() || payload.isStale() || !batch.messages.length) return;
    const arrivedAt = Date.now();
    const records = batch.messages.map((m): ConsumedRecord => ({
      topic: batch.topic,
      partition: batch.partition,
      offset: m.offset,
      key: m.key ? m.key.toString('utf8') : null,
      value: m.value,
      headers: headersToStrings(m.headers),
      timestamp: m.timestamp,
    }));
    const handled = this.options.handle(records, {
      topic: batch.topic,
      partition: batch.partition,
      heartbeat: () => payload.heartbeat(),
    });
    this.handling.add(handled);
    const result = await handled.finally(() => this.handling.delete(handled));
    // Fetch on from here; commit once durable, in order per partition.
    payload.resolveOffset(batch.lastOffset());
    const key = `${batch.topic}:${batch.partition}`;
    const offset = {
      topic: batch.topic,
      partition: batch.partition,
      offset: (BigInt(batch.lastOffset()) + 1n).toString(),
    };
    const chain = Promise.all([this.chains.get(key), result?.durable]).then(() => {
      this.committable.set(key, offset);
    });
    this.chains.set(key, chain);
    void chain.finally(() => {
      if (this.chains.get(key) === chain) this.chains.delete(key);
    });
    const pauseMs = this.options.fetchPauseMs ?? 0;
    const dense = arrivedAt - this.lastBatchDoneAt < pauseMs;
    if (pauseMs > 0 && dense && batch.messages.length < SMALL_BATCH && payload.isRunning()) {
      await new Promise((resolve) => setTimeout(resolve, pauseMs));
    }
    this.lastBatchDoneAt = Date.now();
  }

  /** Commits the offsets that became durable since the last commit (every COMMIT_EVERY_MS, and when stopping). */
  private async commitDurable(): Promise<void> {
    if (!this.committable.size) return;
    const offsets = [...this.committable.values()];
    this.committable.clear();
    try {
      await this.consumer.commitOffsets(offsets);
    } catch (err) {
      // Not committed (the group is rebalancing, or the member left): the next owner consumes these records again,
      // which is at-least-once; a later commit of ours supersedes this one.
      this.logger.warn(`could not commit offsets (they are consumed again): ${(err as Error).message}`);
    }
  }

  /** Stops fetching new batches (staying in the group) and waits for the batches being handled. */
  async pause(): Promise<void> {
    this.consumer.pause(this.options.topics.map((topic) => ({ topic })));
    await Promise.allSettled([...this.handling]);
  }

  /** Fetches again after `pause()` (the back-pressure that paused it is relieved). */
  resume(): void {
    this.consumer.resume(this.options.topics.map((topic) => ({ topic })));
  }

  /**
   * Commits what is durable (waiting up to `settleMs` for records that are still being made durable), and leaves the
   * group. What is left uncommitted is consumed again by the next member.
   */
  async stop(settleMs = 0): Promise<void> {
    this.running = false;
    clearInterval(this.commitTimer);
    await Promise.allSettled([...this.handling]);
    if (this.chains.size) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.allSettled([...this.chains.values()]),
        new Promise((resolve) => (timer = setTimeout(resolve, settleMs))),
      ]);
      clearTimeout(timer);
    }
    await this.commitDurable();
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
