import { Logger } from '@nestjs/common';
import { CustomTransportStrategy, MessageHandler, Server } from '@nestjs/microservices';
import { isObservable, lastValueFrom } from 'rxjs';
import { BatchConsumer, ConsumedRecord } from '../batch-consumer';
import { BroadcastSubscriber } from '../broadcast-subscriber';
import type { DeadLetterPublisher } from '../dead-letter.publisher';
import type { KafkaConnection } from '../kafka-connection';
import {
  BatchResult,
  BroadcastPatternOptions,
  GroupPatternOptions,
  batchPatternOf,
  isBroadcast,
} from './batch-pattern.decorator';
import { ContractReader, contractReader } from './contract-reader';
import { KafkaBatchContext, KafkaBroadcastContext } from './kafka-batch.context';
import { KAFKA_BATCH_TRANSPORT } from './kafka-transport.constants';

/** Waits between calls of a broadcast handler that failed: doubling from the first, up to the last. */
const RETRY_FIRST_MS = 100;
const RETRY_MAX_MS = 2000;

/** Tuning of one consumer-group topic, from the service's configuration (the pattern itself is static). */
export interface TopicTuning {
  /** Partitions handled in parallel by this instance (default 3); one batch at a time per partition. */
  partitionsConsumedConcurrently?: number;
  maxWaitTimeInMs?: number;
  /** See `BatchConsumerOptions.fetchPauseMs`. */
  fetchPauseMs?: number;
  /** How long `close()` waits for taken records to become durable before the last commit (default 0). */
  settleMs?: number;
}

export interface KafkaBatchTransportOptions {
  /** By topic. */
  topics?: Readonly<Record<string, TopicTuning>>;
}

export type KafkaBatchTransportEvents = {
  /**
   * The group of `topic` is rebalancing: its partitions may move to other members, which consume again from the last
   * committed offset. A service holding records taken but not yet durable should make them visible now.
   */
  rebalancing: (topic: string) => void;
};

export type KafkaBatchTransportStatus = 'starting' | 'listening' | 'closed';

interface GroupSubscription {
  kind: 'group';
  topic: string;
  group: string;
  consumer: BatchConsumer;
  settleMs: number;
  started?: Promise<void>;
  stopped?: Promise<void>;
}

interface BroadcastSubscription {
  kind: 'broadcast';
  topic: string;
  subscriber: BroadcastSubscriber;
  started?: Promise<void>;
  stopped?: Promise<void>;
}

type Subscription = GroupSubscription | BroadcastSubscription;

/**
 * Kafka as a Nest transport, with the gateway's batch semantics: each `@BatchPattern` handler consumes one topic
 * through a `BatchConsumer` (consumer-group patterns) or a `BroadcastSubscriber` (broadcast patterns), created when
 * the transport starts. Before a handler runs, every record is read against the pattern's contract class; the
 * handler gets the messages that are the contract, the others are dead-lettered with the reason (their offsets are
 * committed once the dead letter is stored). Offsets move only past what the handler made durable (`BatchResult`).
 *
 * Nest calls `listen()` (`startAllMicroservices()`) and `close()` (after every `beforeApplicationShutdown`); between
 * the two, a service that must stop in a given order (fan-out: stop taking batches, hand back what is queued, write
 * outcomes, then commit) calls `pause(topic)` and `stop(topic)` from its own shutdown hook, and `close()` stops only
 * what is left. `startBroadcast`/`caughtUp` serve the configuration replicas; `isHealthy` the readiness probe.
 */
export class KafkaBatchTransport
  extends Server<KafkaBatchTransportEvents, KafkaBatchTransportStatus>
  implements CustomTransportStrategy
{
  protected override readonly logger = new Logger(KafkaBatchTransport.name);
  private readonly subscriptions = new Map<string, Subscription>();
  private readonly rebalancingListeners: Array<KafkaBatchTransportEvents['rebalancing']> = [];
  private listening = false;
  private closing?: Promise<void>;

  constructor(
    private readonly connection: KafkaConnection,
    private readonly deadLetters: Pick<DeadLetterPublisher, 'rejectRecord'>,
    private readonly options: KafkaBatchTransportOptions = {},
  ) {
    super();
    this.transportId = KAFKA_BATCH_TRANSPORT;
  }

  /** Starts every subscription: the broadcasts first (the handlers of the work may wait for what they keep current). */
  listen(callback: (err?: unknown) => void): void {
    this.start().then(
      () => callback(),
      (err: unknown) => callback(err),
    );
  }

  /** Stops what the service has not stopped itself: consumer groups first (committing what is durable), then broadcasts. */
  close(): Promise<void> {
    return (this.closing ??= this.closeAll());
  }

  on<EventKey extends keyof KafkaBatchTransportEvents>(
    event: EventKey,
    callback: KafkaBatchTransportEvents[EventKey],
  ): void {
    if (event !== 'rebalancing') throw new Error(`KafkaBatchTransport has no event ${String(event)}`);
    this.rebalancingListeners.push(callback);
  }

  /** The kafkajs client every consumer of this transport is made from. */
  unwrap<T>(): T {
    return this.connection.kafka as T;
  }

  /**
   * Starts the broadcast subscription of `topic` now, positioned at the topic's end, unless it has started: a replica
   * that loads its rows at start-up calls this before loading, so a change published in between is applied after the
   * load instead of being missed (`listen()` comes later, after the app's init). Needs the handler registered, i.e.
   * `connectMicroservice({ strategy })` called before the app initialises.
   */
  startBroadcast(topic: string): Promise<void> {
    const subscription = this.broadcast(topic);
    return (subscription.started ??= subscription.subscriber.start());
  }

  /**
   * Resolves once every record published to the broadcast `topic` before the call is handled here (`NotCaughtUpError`),
   * with a mark of that point that `covers` checks on any instance.
   */
  caughtUp(topic: string, timeoutMs: number): Promise<string> {
    return this.broadcast(topic).subscriber.caughtUp(timeoutMs);
  }

  /** Whether every record of the broadcast `topic` before `mark` (a `caughtUp` answer) is handled here. */
  covers(topic: string, mark: string): boolean {
    return this.broadcast(topic).subscriber.covers(mark);
  }

  /**
   * Stops fetching batches of `topic` (back-pressure, or the first step of a shutdown) and waits for those in hand.
   * Nothing to do before the topic's consumer has started (a shutdown during start-up).
   */
  pause(topic: string): Promise<void> {
    const subscription = this.group(topic);
    return subscription.started && !subscription.stopped ? subscription.consumer.pause() : Promise.resolve();
  }

  /** Fetches batches of `topic` again after `pause`. */
  resume(topic: string): void {
    const subscription = this.group(topic);
    if (subscription.started && !subscription.stopped) subscription.consumer.resume();
  }

  /**
   * Stops consuming `topic`: for a consumer group, commits what is durable (waiting up to `settleMs`, by default the
   * topic's tuning) and leaves the group. Idempotent; `close()` does it for the topics still running.
   */
  stop(topic: string, settleMs?: number): Promise<void> {
    const subscription = this.subscription(topic);
    if (!subscription.stopped) {
      const started = subscription.started?.catch(() => undefined);
      subscription.stopped = !started
        ? Promise.resolve()
        : subscription.kind === 'group'
          ? started.then(() => subscription.consumer.stop(settleMs ?? subscription.settleMs))
          : started.then(() => subscription.subscriber.stop());
    }
    return subscription.stopped;
  }

  /** Whether `topic` is consumed now (or, without a topic, every subscription after `listen()`): for /health/ready. */
  isHealthy(topic?: string): boolean {
    if (topic === undefined) {
      return this.listening && [...this.subscriptions.keys()].every((name) => this.isHealthy(name));
    }
    const subscription = this.subscriptions.get(topic);
    if (!subscription || subscription.stopped) return false;
    return subscription.kind === 'group' ? subscription.consumer.healthy : subscription.subscriber.healthy;
  }

  private async start(): Promise<void> {
    this._status$.next('starting');
    // Every handler is checked before anything joins a group.
    const all = [...this.messageHandlers.keys()].map((topic) => this.subscription(topic));
    await Promise.all(all.flatMap((s) => (s.kind === 'broadcast' && !s.stopped ? [this.startBroadcast(s.topic)] : [])));
    await Promise.all(
      all.flatMap((s) => (s.kind === 'group' && !s.stopped ? [(s.started ??= s.consumer.start())] : [])),
    );
    this.listening = true;
    this._status$.next('listening');
  }

  private async closeAll(): Promise<void> {
    this.listening = false;
    const all = [...this.subscriptions.values()];
    // A batch in hand may be waiting for a replica that a broadcast keeps current: the groups stop first.
    await Promise.all(all.flatMap((s) => (s.kind === 'group' ? [this.stop(s.topic)] : [])));
    await Promise.all(all.flatMap((s) => (s.kind === 'broadcast' ? [this.stop(s.topic)] : [])));
    this._status$.next('closed');
  }

  private group(topic: string): GroupSubscription {
    const subscription = this.subscription(topic);
    if (subscription.kind !== 'group') throw new Error(`${topic} is a broadcast pattern, not a consumer group`);
    return subscription;
  }

  private broadcast(topic: string): BroadcastSubscription {
    const subscription = this.subscription(topic);
    if (subscription.kind !== 'broadcast') throw new Error(`${topic} is consumed by a group, not broadcast`);
    return subscription;
  }

  private subscription(topic: string): Subscription {
    const known = this.subscriptions.get(topic);
    if (known) return known;
    const handler = this.messageHandlers.get(topic);
    if (!handler) {
      throw new Error(
        `no @BatchPattern handler consumes ${topic} (is the transport connected with connectMicroservice before the app initialises?)`,
      );
    }
    const options = handler.isEventHandler ? batchPatternOf(handler.extras) : undefined;
    if (!options) {
      throw new Error(
        `the handler of ${topic} is not declared with @BatchPattern: records must be read against a contract`,
      );
    }
    if (handler.next) throw new Error(`${topic} has more than one handler: a topic is consumed by one method`);
    const subscription = isBroadcast(options)
      ? this.broadcastSubscription(topic, options, handler)
      : this.groupSubscription(topic, options, handler);
    this.subscriptions.set(topic, subscription);
    return subscription;
  }

  private groupSubscription(
    topic: string,
    options: GroupPatternOptions<object>,
    handler: MessageHandler,
  ): GroupSubscription {
    for (const other of this.subscriptions.values()) {
      if (other.kind === 'group' && other.group === options.group) {
        // kafkajs assigns a group's partitions as if every member read every topic of the group.
        throw new Error(`${topic} and ${other.topic} share the consumer group ${options.group}: one topic per group`);
      }
    }
    const read = contractReader(options.contract);
    const tuning = this.options.topics?.[topic] ?? {};
    const consumer = new BatchConsumer(this.connection, {
      groupId: options.group,
      topics: [topic],
      fromBeginning: options.fromBeginning ?? true,
      partitionsConsumedConcurrently: tuning.partitionsConsumedConcurrently,
      maxWaitTimeInMs: tuning.maxWaitTimeInMs,
      fetchPauseMs: tuning.fetchPauseMs,
      onRebalancing: () => this.rebalancing(topic),
      handle: (records, partition) => this.handleBatch(handler, read, records, partition),
    });
    return { kind: 'group', topic, group: options.group, consumer, settleMs: tuning.settleMs ?? 0 };
  }

  private async handleBatch(
    handler: MessageHandler,
    read: ContractReader<object>,
    records: ConsumedRecord[],
    { topic, partition, heartbeat }: { topic: string; partition: number; heartbeat: () => Promise<void> },
  ): Promise<BatchResult> {
    const messages: object[] = [];
    const valid: ConsumedRecord[] = [];
    const letters: Array<Promise<void>> = [];
    for (const record of records) {
      const message = read(record.value);
      if (typeof message === 'string') letters.push(this.deadLetters.rejectRecord(record, message));
      else {
        messages.push(message);
        valid.push(record);
      }
    }
    // Stored before the batch counts as handled (a dead letter that cannot be written fails the batch: it comes again).
    await Promise.all(letters);
    if (!messages.length) return;
    const result = await this.invoke(handler, messages, new KafkaBatchContext([topic, partition, valid, heartbeat]));
    return durableOf(result);
  }

  private broadcastSubscription(
    topic: string,
    options: BroadcastPatternOptions<object>,
    handler: MessageHandler,
  ): BroadcastSubscription {
    const read = contractReader(options.contract);
    const subscriber: BroadcastSubscriber = new BroadcastSubscriber(
      this.connection,
      topic,
      async (value, heartbeat) => {
        const message = read(value);
        if (typeof message === 'string') {
          this.logger.warn(`skipped a ${topic} record: ${message}`);
          return;
        }
        const context = new KafkaBroadcastContext([topic, heartbeat]);
        for (let attempt = 1, wait = RETRY_FIRST_MS; ; attempt++, wait = Math.min(wait * 2, RETRY_MAX_MS)) {
          try {
            await this.invoke(handler, [message], context);
            if (attempt > 1) this.logger.log(`handled a ${topic} record at try ${attempt}`);
            return;
          } catch (err) {
            if (!subscriber.running) throw err;
            this.logger[attempt === 1 ? 'error' : 'warn'](
              `could not handle a ${topic} record (try ${attempt}, again in ${wait} ms): ${(err as Error).message}`,
            );
          }
          await new Promise((resolve) => setTimeout(resolve, wait));
          await heartbeat().catch(() => undefined);
        }
      },
    );
    return { kind: 'broadcast', topic, subscriber };
  }

  /** Calls a handler through Nest (pipes, guards, interceptors, exception filters) and returns what it answered. */
  private async invoke(handler: MessageHandler, messages: object[], context: object): Promise<unknown> {
    try {
      const answer: unknown = await handler(messages, context);
      return isObservable(answer) ? await lastValueFrom(answer, { defaultValue: undefined }) : answer;
    } catch (err) {
      // @BatchPattern's filter passes the handler's error on as thrown; anything else thrown is named as well as it can.
      throw err instanceof Error ? err : new Error(describeRpcError(err));
    }
  }

  private rebalancing(topic: string): void {
    for (const listener of this.rebalancingListeners) {
      try {
        listener(topic);
      } catch (err) {
        this.logger.error(`a rebalancing listener of ${topic} failed: ${(err as Error).message}`);
      }
    }
  }
}

function durableOf(answer: unknown): BatchResult {
  if (typeof answer !== 'object' || answer === null || !('durable' in answer)) return undefined;
  const { durable } = answer;
  if (typeof (durable as PromiseLike<void> | null)?.then !== 'function') return undefined;
  return { durable: Promise.resolve(durable as PromiseLike<void>) };
}

function describeRpcError(err: unknown): string {
  if (typeof err === 'object' && err !== null && 'message' in err) return `handler failed: ${String(err.message)}`;
  return `handler failed: ${String(err)}`;
}
