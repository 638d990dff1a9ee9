import { Logger } from '@nestjs/common';
import { ConfigChangeV1, Topics } from '@gateway/contracts';
import { NotCaughtUpError } from './broadcast-subscriber';
import type { KafkaBatchTransport } from './transport/kafka-batch.transport';

/** How long a starting instance waits to catch up with the changes before it reports ready. */
const START_TIMEOUT_MS = 30_000;

/**
 * Where the configuration-changes topic ended when `current()` was asked (`partition:offset,…`), as events carry it in
 * their `gateway-config-mark` header: every change confirmed before the event was accepted is before its mark.
 */
export type ConfigMark = string;

/** Thrown by `current()`: the replica cannot be confirmed current (a bounded wait ran out). Answer 503. */
export class ConfigNotCurrentError extends Error {}

/**
 * The lifecycle of an in-memory replica of configuration rows (sources in ingest and the Qerko bridge, endpoints in
 * fan-out), so the hot path never reads the database, and the guarantee that makes it safe:
 *
 * `current()` resolves once the replica has applied every change published before the call. admin-api answers 2xx
 * only after its change is on the topic, so a request that awaits `current()` is decided under every change
 * confirmed before it arrived (read-your-writes, on every instance). Between changes the wait is one coalesced
 * end-offset request to the broker; no database read.
 *
 * The changes arrive on the service's broadcast handler of `gateway.config-changes.v1` (a `@BatchPattern` with
 * `broadcast: true` on its config-changes controller), which passes each to `applyChange`; the transport calls it
 * again with backoff until it succeeds, and `current()` waits for it meanwhile.
 *
 * Start: subscribe first (at the topic's end offsets), then load everything (a change committed in between is applied
 * twice rather than missed). Changes and full reloads run one at a time, in order, so a slow periodic reload never
 * overwrites a newer change with its older snapshot. The subscription stops when the transport closes, after the
 * consumer groups whose batches may be waiting in `current()`.
 */
export class ChangeFedCache {
  private readonly logger: Logger;
  private timer?: NodeJS.Timeout;
  private loaded = false;
  /** The tail of the one-at-a-time queue of changes and reloads. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    name: string,
    private readonly transport: KafkaBatchTransport,
    private readonly options: {
      /** Replaces the whole replica from the database. */
      loadAll: () => Promise<void>;
      /** Applies one change (typically: reload that row, or drop it); a failure is retried by the transport. */
      apply: (change: ConfigChangeV1) => Promise<void>;
      resyncSeconds: number;
      /** How long `current()` may wait before it gives up (CONFIG_FRESHNESS_TIMEOUT_MS). */
      freshnessTimeoutMs: number;
    },
  ) {
    this.logger = new Logger(name);
  }

  /** Loaded, and still receiving changes. */
  get ready(): boolean {
    return this.loaded && this.transport.isHealthy(Topics.configChanges);
  }

  /** Applies one change published on the topic, in turn with the others and with the reloads. */
  applyChange(change: ConfigChangeV1): Promise<void> {
    return this.serially(() => this.options.apply(change));
  }

  /**
   * Resolves once every configuration change published before this call is applied here; rejects with
   * ConfigNotCurrentError after CONFIG_FRESHNESS_TIMEOUT_MS (Kafka unreachable, or a change that cannot be applied
   * because PostgreSQL is).
   *
   * Resolves with the mark of that point (`ConfigMark`): an event decided under it carries it to the next service,
   * whose `currentAsOf` then needs no broker round trip.
   */
  async current(timeoutMs = this.options.freshnessTimeoutMs): Promise<ConfigMark> {
    try {
      return await this.transport.caughtUp(Topics.configChanges, timeoutMs);
    } catch (err) {
      if (err instanceof NotCaughtUpError) throw new ConfigNotCurrentError(err.message);
      throw err;
    }
  }

  /**
   * Resolves once every change published before each of `marks` was taken (by `current()`, on any instance) is
   * applied here: at once, without the broker, when the replica is past them all (as it nearly always is); otherwise,
   * or when any is missing, as `current()` does.
   */
  async currentAsOf(marks: Iterable<ConfigMark | undefined>): Promise<void> {
    for (const mark of marks) {
      if (mark === undefined || !this.transport.covers(Topics.configChanges, mark)) {
        await this.current();
        return;
      }
    }
  }

  async start(): Promise<void> {
    await this.transport.startBroadcast(Topics.configChanges);
    await this.serially(() => this.options.loadAll());
    await this.current(START_TIMEOUT_MS);
    this.loaded = true;
    this.timer = setInterval(() => {
      this.serially(() => this.options.loadAll()).catch((err: Error) =>
        this.logger.warn(`periodic resync failed: ${err.message}`),
      );
    }, this.options.resyncSeconds * 1000);
    this.timer.unref();
  }

  /** Stops the periodic reload (the subscription stops with the transport). */
  stop(): void {
    clearInterval(this.timer);
  }

  private serially<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work, work);
    this.queue = run.catch(() => undefined);
    return run;
  }
}
