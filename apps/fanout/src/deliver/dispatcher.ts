import { Injectable, Logger } from '@nestjs/common';
import type { DeliveryStatus } from '@gateway/persistence';
import { EndpointCache } from '../endpoints/endpoint-cache';
import { FanoutConfig } from '../fanout.config';
import { DeliveryAttempter, DeliveryWork } from './delivery-attempter';
import { EndpointHealthRegistry } from './endpoint-health';
import { FanoutMetrics } from './fanout.metrics';

interface EndpointQueue {
  endpointId: string;
  items: DeliveryWork[];
  inFlight: number;
}

/** Token bucket for an endpoint's rateLimitPerSecond; outlives the queue, which is dropped whenever it drains. */
interface TokenBucket {
  tokens: number;
  refilledAt: number;
}

/**
 * Runs attempts with bounded concurrency, per endpoint (adaptive, see EndpointHealth) and overall, round-robin
 * across endpoints, within each endpoint's rateLimitPerSecond: a slow endpoint fills only its own slots, never
 * another's. What does not fit in memory stays in Postgres for the retry poller.
 */
@Injectable()
export class Dispatcher {
  private readonly logger = new Logger(Dispatcher.name);
  private readonly queues = new Map<string, EndpointQueue>();
  private readonly buckets = new Map<string, TokenBucket>();
  private inFlight = 0;
  private queued = 0;
  private stopping = false;
  private idle: Array<() => void> = [];
  private wakeUp?: NodeJS.Timeout;

  constructor(
    private readonly attempter: DeliveryAttempter,
    private readonly health: EndpointHealthRegistry,
    private readonly endpoints: EndpointCache,
    private readonly config: FanoutConfig,
    metrics: FanoutMetrics,
  ) {
    metrics.watchBacklog(
      () => this.queued,
      () => this.inFlight,
    );
  }

  /** Deliveries waiting in memory (not yet started). */
  get queuedCount(): number {
    return this.queued;
  }

  get inFlightCount(): number {
    return this.inFlight;
  }

  hasRoom(endpointId: string): boolean {
    return (
      !this.stopping && (this.queues.get(endpointId)?.items.length ?? 0) < this.config.FANOUT_MAX_QUEUED_PER_ENDPOINT
    );
  }

  /**
   * Resolves once the deliveries waiting in memory for endpoints that keep up are below FANOUT_MAX_QUEUED (or the
   * dispatcher stops). An endpoint whose own queue is full is not keeping up: its further deliveries overflow into
   * Postgres, so it never holds the others back (isolation). `heartbeat` keeps the consumer's group session alive;
   * `cancelled` ends the wait early (the consumer is stopping: what it still stores is handed back at shutdown).
   */
  async whenRoom(heartbeat?: () => Promise<void>, cancelled: () => boolean = () => false): Promise<void> {
    let beat = Date.now();
    while (!this.stopping && !cancelled() && this.keepingUpBacklog() >= this.config.FANOUT_MAX_QUEUED) {
      await new Promise((resolve) => setTimeout(resolve, 5));
      if (heartbeat && Date.now() - beat >= 1000) {
        await heartbeat();
        beat = Date.now();
      }
    }
  }

  private keepingUpBacklog(): number {
    if (this.queued < this.config.FANOUT_MAX_QUEUED) return this.queued;
    let backlog = 0;
    for (const queue of this.queues.values()) {
      if (queue.items.length < this.config.FANOUT_MAX_QUEUED_PER_ENDPOINT) backlog += queue.items.length;
    }
    return backlog;
  }

  /** Endpoints whose in-memory queue is full: the poller leaves their due rows for later. */
  fullEndpoints(): string[] {
    return [...this.queues.keys()].filter((id) => !this.hasRoom(id));
  }

  enqueue(work: DeliveryWork[]): void {
    for (const item of work) {
      let queue = this.queues.get(item.endpointId);
      if (!queue) this.queues.set(item.endpointId, (queue = { endpointId: item.endpointId, items: [], inFlight: 0 }));
      queue.items.push(item);
      this.queued++;
    }
    this.pump();
  }

  private pump(): void {
    const global = this.config.FANOUT_MAX_IN_FLIGHT;
    let progress = true;
    let nextToken = Infinity;
    while (progress && this.inFlight < global && !this.stopping) {
      progress = false;
      // Over the queues themselves (each knows its endpoint): entries() would allocate a pair per queue per pass,
      // and this runs after every attempt.
      for (const queue of this.queues.values()) {
        if (this.inFlight >= global) break;
        if (!queue.items.length || queue.inFlight >= this.limitOf(queue.endpointId)) continue;
        const wait = this.takeToken(queue.endpointId);
        if (wait > 0) {
          nextToken = Math.min(nextToken, wait);
          continue;
        }
        this.start(queue, queue.items.shift()!);
        progress = true;
      }
    }
    // A rate-limited endpoint with work waiting: come back when its next token is due.
    if (nextToken !== Infinity && !this.wakeUp && !this.stopping) {
      this.wakeUp = setTimeout(() => {
        this.wakeUp = undefined;
        this.pump();
      }, Math.ceil(nextToken));
    }
  }

  private limitOf(endpointId: string): number {
    return Math.min(this.config.FANOUT_MAX_IN_FLIGHT_PER_ENDPOINT, this.health.get(endpointId).concurrency);
  }

  /** 0 when the endpoint may send now (a token is taken), else ms until its next token. */
  private takeToken(endpointId: string): number {
    const rate = this.endpoints.get(endpointId)?.rateLimitPerSecond;
    if (!rate) return 0;
    const now = Date.now();
    let bucket = this.buckets.get(endpointId);
    if (!bucket) this.buckets.set(endpointId, (bucket = { tokens: rate, refilledAt: now }));
    bucket.tokens = Math.min(rate, bucket.tokens + ((now - bucket.refilledAt) / 1000) * rate);
    bucket.refilledAt = now;
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return ((1 - bucket.tokens) / rate) * 1000;
  }

  private start(queue: EndpointQueue, work: DeliveryWork): void {
    this.queued--;
    this.inFlight++;
    queue.inFlight++;
    // One promise per attempt (then with both callbacks), not a catch and a finally on top.
    this.attempter.attempt(work).then(
      (status) => this.finished(queue, work, status),
      (err: Error) => {
        this.logger.error(`attempt of ${work.deliveryId} failed unexpectedly: ${err.message}`);
        this.finished(queue, work, null);
      },
    );
  }

  private finished(queue: EndpointQueue, work: DeliveryWork, status: DeliveryStatus | null): void {
    this.inFlight--;
    queue.inFlight--;
    // The next delivery of an ordered lane's run goes first in its endpoint's queue: its lane waited for this one.
    const next = work.lane?.after(status);
    if (next) {
      queue.items.unshift(next);
      this.queued++;
    }
    if (!queue.items.length && !queue.inFlight) this.queues.delete(queue.endpointId);
    if (this.inFlight === 0) this.idle.splice(0).forEach((resolve) => resolve());
    this.pump();
  }

  /** Stops starting attempts and waits for those in flight (each bounded by its endpoint's timeout). */
  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.wakeUp);
    if (this.inFlight) await new Promise<void>((resolve) => this.idle.push(resolve));
  }

  /** Work not started, handed back at shutdown. */
  drainQueued(): DeliveryWork[] {
    const items = [...this.queues.values()].flatMap((q) => q.items.splice(0));
    this.queued = 0;
    return items;
  }
}
