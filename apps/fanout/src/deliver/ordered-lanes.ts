import { Injectable, Logger } from '@nestjs/common';
import type { DeliveryStatus } from '@gateway/persistence';
import { EndpointCache } from '../endpoints/endpoint-cache';
import { FanoutConfig } from '../fanout.config';
import { ClaimedLane, DeliveryStore, LaneRef } from '../store/delivery-store';
import { InstanceRegistry } from '../store/instance-registry';
import { OutcomeWriter } from '../store/outcome-writer';
import { DeliveryWork, LaneRun } from './delivery-attempter';
import { Dispatcher } from './dispatcher';
import { FanoutMetrics } from './fanout.metrics';

/** Open deliveries of a lane claimed at once, then attempted one after another from memory. */
const RUN_LENGTH = 100;
/** Lanes this instance runs at most at once. */
const MAX_LANES = 1000;

/**
 * The one owner of ordered endpoints' deliveries (see docs/delivery.md, "Ordered endpoints"). Each lane of an ordered
 * endpoint (its deliveries for one source, or one key within a source) is a line in the retry queue, ordered by the
 * events' Kafka offsets. A lane is run by one instance at a time: it claims the lane's first open deliveries (the
 * store takes the lane's lock, so two claims never overlap), and the dispatcher attempts them one after another, each
 * once the one before has succeeded or finally failed (LaneCursor). A delivery that is to be retried later ends the
 * run and holds back its own lane only; the rest of the run is handed back. A run that ends goes on with whatever the
 * lane got meanwhile, once its outcomes are committed (the next claim must see them).
 *
 * Lanes are claimed when the intake writes deliveries to them (`kick`), when a run ends, and by the retry poller
 * (`poll`: retries come due, and what a crashed or stopped instance left).
 */
@Injectable()
export class OrderedLanes {
  private readonly logger = new Logger(OrderedLanes.name);
  /** Lanes claimed or run here, by `endpointId lane`; `dirty` once the intake wrote to it meanwhile. */
  private readonly running = new Map<string, { dirty: boolean; cursor?: LaneCursor }>();
  private stopping = false;

  constructor(
    private readonly store: DeliveryStore,
    private readonly endpoints: EndpointCache,
    private readonly dispatcher: Dispatcher,
    private readonly outcomes: OutcomeWriter,
    private readonly instance: InstanceRegistry,
    private readonly config: FanoutConfig,
    metrics: FanoutMetrics,
  ) {
    metrics.watchLanes(() => this.running.size);
  }

  /** Lanes the intake just wrote deliveries to (committed): claimed now, or gone on with by the run that has them. */
  kick(lanes: LaneRef[]): void {
    const idle = lanes.filter((lane) => {
      const run = this.running.get(keyOf(lane));
      if (run) run.dirty = true;
      return !run;
    });
    if (idle.length) void this.claim(idle);
  }

  /** Claims lanes whose head is due (the retry poller calls this each poll); how many it claimed. */
  async poll(): Promise<number> {
    const room = MAX_LANES - this.running.size;
    if (this.stopping || room <= 0) return 0;
    const due = (await this.store.dueLanes(room, this.owner())).filter((lane) => !this.running.has(keyOf(lane)));
    if (!due.length) return 0;
    // A lane written by another instance may be of an endpoint created (or enabled) a moment ago: attempted only once
    // this instance's endpoint cache has every change published before now (an unknown endpoint's delivery fails).
    await this.endpoints.current();
    return this.claim(due);
  }

  /** Stops starting deliveries; returns those claimed and not started (their leases go back at shutdown). */
  stop(): string[] {
    this.stopping = true;
    return [...this.running.values()].flatMap((run) => run.cursor?.abandon() ?? []);
  }

  private owner() {
    return { id: this.instance.id, deadAfterSeconds: this.config.FANOUT_INSTANCE_TIMEOUT_SECONDS };
  }

  private async claim(lanes: LaneRef[]): Promise<number> {
    const fresh = lanes.filter((lane) => !this.running.has(keyOf(lane))).slice(0, MAX_LANES - this.running.size);
    if (this.stopping || !fresh.length) return 0;
    for (const lane of fresh) this.running.set(keyOf(lane), { dirty: false });
    let claimed: ClaimedLane[] = [];
    try {
      claimed = await this.store.claimLanes(fresh, RUN_LENGTH, this.config.FANOUT_LEASE_SECONDS, this.owner());
    } catch (err) {
      // The poller finds these lanes again.
      this.logger.warn(`could not claim ${fresh.length} ordered lanes: ${(err as Error).message}`);
    }
    const started = new Set<string>();
    for (const lane of claimed) {
      if (!lane.deliveries.length) continue;
      started.add(keyOf(lane));
      this.start(lane);
    }
    for (const lane of fresh) {
      const key = keyOf(lane);
      if (started.has(key)) continue;
      const run = this.running.get(key);
      this.running.delete(key);
      // Written to while this claim looked: what it wrote may have been committed after the claim read the lane.
      if (run?.dirty) void this.claim([lane]);
    }
    return started.size;
  }

  private start(lane: ClaimedLane): void {
    // A run starts no delivery in the last half of its lease: it ends, and the lane is claimed again (a fresh lease).
    const startBefore = lane.leaseUntil.getTime() - (this.config.FANOUT_LEASE_SECONDS * 1000) / 2;
    // Nor once this instance's heartbeat is half as old as the age at which other instances take its lanes over.
    const timeoutMs = this.config.FANOUT_INSTANCE_TIMEOUT_SECONDS * 1000;
    const cursor = new LaneCursor(
      lane,
      startBefore,
      () => this.stopping || this.instance.sinceHeartbeatMs > timeoutMs / 2,
      (held, rest) => void this.ended(lane, held, rest),
    );
    this.running.get(keyOf(lane))!.cursor = cursor;
    this.dispatcher.enqueue([cursor.first()]);
  }

  /**
   * A run ended. The lane stays this instance's until the run's outcomes are committed (a claim before that would
   * read its last delivery as still open). Held (its last delivery is to be retried later, or could not be attempted):
   * the rest of the run is handed back, and the lane waits for the retry poller. Otherwise the lane is claimed again
   * if the run stopped early (its lease) or the intake wrote to it meanwhile; what another instance writes to it, that
   * instance claims (or its poller finds).
   */
  private async ended(lane: LaneRef, held: boolean, rest: string[]): Promise<void> {
    const key = keyOf(lane);
    const run = this.running.get(key);
    try {
      await this.outcomes.written();
      if (held || this.stopping) await this.store.releaseLeases(rest, this.instance.id);
    } catch (err) {
      this.logger.warn(`ordered lane of ${lane.endpointId}: ${(err as Error).message} (the poller takes it up)`);
      this.running.delete(key);
      return;
    }
    this.running.delete(key);
    if (!held && (rest.length || run?.dirty)) await this.claim([lane]);
  }
}

/**
 * A run of one lane in the dispatcher: its deliveries in lane order, the next handed out only when the one before has
 * succeeded or finally failed, and only while the run's lease has time left and `mustStop` (shutdown, a stale
 * heartbeat) says nothing.
 */
export class LaneCursor implements LaneRun {
  private next = 0;
  private done = false;

  constructor(
    private readonly lane: ClaimedLane,
    private readonly startBefore: number,
    private readonly mustStop: () => boolean,
    private readonly onEnd: (held: boolean, rest: string[]) => void,
  ) {}

  first(): DeliveryWork {
    return this.work(this.next++);
  }

  /** The delivery to attempt after one whose outcome was `status`; null when the run ends. */
  after(status: DeliveryStatus | null): DeliveryWork | null {
    if (this.done) return null;
    const finished = status === 'succeeded' || status === 'failed';
    if (finished && this.next < this.lane.deliveries.length && Date.now() < this.startBefore && !this.mustStop()) {
      return this.work(this.next++);
    }
    this.done = true;
    this.onEnd(
      !finished,
      this.lane.deliveries.slice(this.next).map((d) => d.id),
    );
    return null;
  }

  /** Ends the run at shutdown: the ids of the deliveries not handed out. */
  abandon(): string[] {
    if (this.done) return [];
    this.done = true;
    return this.lane.deliveries.slice(this.next).map((d) => d.id);
  }

  private work(i: number): DeliveryWork {
    const d = this.lane.deliveries[i]!;
    return { deliveryId: d.id, endpointId: d.endpointId, attemptCount: d.attemptCount, event: d.event, lane: this };
  }
}

function keyOf(lane: LaneRef): string {
  return `${lane.endpointId} ${lane.lane}`;
}
