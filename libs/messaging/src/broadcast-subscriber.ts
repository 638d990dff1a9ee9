import { randomUUID } from 'node:crypto';
import { Consumer } from 'kafkajs';
import { withTimeout, KafkaConnection } from './kafka-connection';

/** Thrown by `caughtUp` when the records published before the call cannot be confirmed handled in time. */
export class NotCaughtUpError extends Error {}

/**
 * Every instance receives every record (its own throwaway consumer group): used for configuration changes, which
 * each instance applies to its in-memory cache.
 *
 * It keeps its own position per partition (the offset after the last record handled), so it can answer "has every
 * record published before now been handled?" (`caughtUp`), and so a re-join after a broker restart resumes where it
 * was instead of at the group's "latest", which would skip the records published meanwhile.
 */
export class BroadcastSubscriber {
  private readonly consumer: Consumer;
  private joined = false;
  private stopping = false;
  /** Per partition: the offset of the next record to handle; every record before it is handled. */
  private readonly positions = new Map<number, bigint>();
  /** Callers of `caughtUp` waiting for positions to reach their end offsets. */
  private waiters: Array<{ ends: Map<number, bigint>; resolve: () => void }> = [];
  private readonly endOffsets: Coalesced<{ ends: Map<number, bigint>; mark: string }>;
  /** The last mark `covers` found handled. */
  private lastCovered: string | null = null;

  constructor(
    private readonly connection: KafkaConnection,
    private readonly topic: string,
    private readonly onMessage: (value: Buffer | null, heartbeat: () => Promise<void>) => Promise<void>,
  ) {
    this.consumer = connection.kafka.consumer({
      groupId: `${connection.options.clientId}-broadcast-${randomUUID()}`,
      // A fetch returns as soon as a record arrives; the wait only bounds idle polling (10 fetches/s at 100 ms cost the
      // broker more CPU than anything else in an idle gateway).
      maxWaitTimeInMs: 1000,
      sessionTimeout: 10_000,
      heartbeatInterval: 1000,
      allowAutoTopicCreation: false,
    });
    this.endOffsets = new Coalesced(async () => {
      const ends = new Map((await connection.endOffsets(topic)).map(({ partition, offset }) => [partition, offset]));
      return { ends, mark: describe(ends) };
    });
  }

  get healthy(): boolean {
    return this.joined;
  }

  /**
   * Resolves once the consumer has joined and is positioned at the end offsets taken *before* it joined: every
   * record published after start() began is consumed. (A fresh group's "latest" is resolved only after the join,
   * so relying on it would skip records published in between — a change could be missed at start-up.)
   */
  async start(timeoutMs = 30_000): Promise<void> {
    for (const { partition, offset } of await this.connection.endOffsets(this.topic)) {
      this.positions.set(partition, offset);
    }
    const joined = new Promise<void>((resolve) => {
      // Every join, the first and any after a rebalance or a broker restart, starts from where this instance is.
      this.consumer.on(this.consumer.events.GROUP_JOIN, () => {
        for (const [partition, offset] of this.positions) {
          this.consumer.seek({ topic: this.topic, partition, offset: offset.toString() });
        }
        resolve();
      });
    });
    await this.consumer.connect();
    await this.consumer.subscribe({ topic: this.topic, fromBeginning: false });
    await this.consumer.run({
      autoCommit: false,
      eachMessage: async (payload) => {
        const { partition, message } = payload;
        const next = BigInt(message.offset) + 1n;
        if (next <= (this.positions.get(partition) ?? -1n)) return; // handled before a seek back
        await this.onMessage(message.value, () => payload.heartbeat());
        this.advance(partition, next);
      },
    });
    await withTimeout(joined, timeoutMs, `could not join a consumer group for ${this.topic} within ${timeoutMs} ms`);
    this.joined = true;
  }

  /**
   * Resolves once every record published to the topic before this call has been handled: the end offsets are read
   * from the broker by a request sent after the call (concurrent callers share one), then this waits until the
   * positions reach them. Rejects with NotCaughtUpError after `timeoutMs` (the broker unreachable, or a record whose
   * handler keeps failing).
   *
   * Resolves with a mark of those end offsets (`partition:offset,…`): any instance whose positions reach it (`covers`)
   * has handled every record published before this call, without asking the broker.
   */
  async caughtUp(timeoutMs: number): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    let ends: Map<number, bigint>;
    let mark: string;
    try {
      ({ ends, mark } = await withTimeout(this.endOffsets.fresh(), timeoutMs));
    } catch (err) {
      throw new NotCaughtUpError(`the end of ${this.topic} could not be read: ${(err as Error).message}`);
    }
    if (this.reached(ends)) return mark;
    let waiter: { ends: Map<number, bigint>; resolve: () => void } | undefined;
    const reached = new Promise<void>((resolve) => this.waiters.push((waiter = { ends, resolve })));
    try {
      await withTimeout(reached, Math.max(1, deadline - Date.now()));
    } catch {
      throw new NotCaughtUpError(`the records of ${this.topic} up to ${describe(ends)} are not all handled yet`);
    } finally {
      this.waiters = this.waiters.filter((w) => w !== waiter);
    }
    return mark;
  }

  /**
   * Whether this instance has handled every record before `mark` (a `caughtUp` answer, here or on another instance).
   * A mark it cannot read, or one past what it has handled, is not covered: ask `caughtUp` then. (Positions only
   * advance, so the last mark covered is remembered: a batch's events mostly carry the same one.)
   */
  covers(mark: string): boolean {
    if (mark === this.lastCovered) return true;
    const ends = parseMark(mark);
    if (ends === null || !this.reached(ends)) return false;
    this.lastCovered = mark;
    return true;
  }

  async stop(): Promise<void> {
    this.joined = false;
    this.stopping = true;
    await this.consumer.disconnect();
  }

  /** True while stop() has not been called (handlers retrying a record stop retrying after it). */
  get running(): boolean {
    return !this.stopping;
  }

  private advance(partition: number, next: bigint): void {
    if (next <= (this.positions.get(partition) ?? -1n)) return;
    this.positions.set(partition, next);
    const waiting = this.waiters;
    this.waiters = [];
    for (const waiter of waiting) {
      if (this.reached(waiter.ends)) waiter.resolve();
      else this.waiters.push(waiter);
    }
  }

  private reached(ends: Map<number, bigint>): boolean {
    for (const [partition, end] of ends) if ((this.positions.get(partition) ?? 0n) < end) return false;
    return true;
  }
}

function describe(ends: Map<number, bigint>): string {
  return [...ends].map(([partition, offset]) => `${partition}:${offset}`).join(',');
}

function parseMark(mark: string): Map<number, bigint> | null {
  const ends = new Map<number, bigint>();
  for (const part of mark.split(',')) {
    const match = /^(\d{1,9}):(\d{1,19})$/.exec(part);
    if (!match) return null;
    ends.set(Number(match[1]), BigInt(match[2]!));
  }
  return ends;
}

/**
 * One call at a time to an async function, shared by concurrent callers; `fresh()` always answers with a call that
 * started after it was asked (it joins the next call when one is already in flight), so the answer is never older
 * than the question.
 */
export class Coalesced<T> {
  private inFlight: Promise<T> | null = null;
  private queued: Promise<T> | null = null;

  constructor(private readonly fn: () => Promise<T>) {}

  fresh(): Promise<T> {
    if (!this.inFlight) return this.start();
    this.queued ??= this.inFlight.then(
      () => this.startQueued(),
      () => this.startQueued(),
    );
    return this.queued;
  }

  private startQueued(): Promise<T> {
    this.queued = null;
    return this.start();
  }

  private start(): Promise<T> {
    const call = this.fn().finally(() => {
      if (this.inFlight === call) this.inFlight = null;
    });
    this.inFlight = call;
    return call;
  }
}
