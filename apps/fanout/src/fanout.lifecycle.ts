import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { Topics } from '@gateway/contracts';
import { HttpSender } from '@gateway/delivery';
import { KafkaBatchTransport } from '@gateway/messaging';
import { EventIntake } from './consume/event-intake';
import { Dispatcher } from './deliver/dispatcher';
import { OrderedLanes } from './deliver/ordered-lanes';
import { ReplayWorker } from './deliver/replay-worker';
import { RetryPoller } from './deliver/retry-poller';
import { DeliveryStore } from './store/delivery-store';
import { InstanceRegistry } from './store/instance-registry';
import { OutcomeWriter } from './store/outcome-writer';
import { isUnsaved } from './store/unsaved-delivery';

/** How long the last commit waits for deliveries still being written (a database outage at shutdown). */
const COMMIT_SETTLE_MS = 5000;

/**
 * Starts the retry queue once the endpoint cache is loaded (onModuleInit); the events topic is consumed after that,
 * when main.ts starts the transport. Stops in the one order that loses nothing: stop taking work (poller, events
 * topic), hand queued deliveries back to the retry queue, let attempts in flight finish, write their outcomes, commit
 * the offsets of what is written, release leases; the transport closes and the database after this.
 */
@Injectable()
export class FanoutLifecycle implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(FanoutLifecycle.name);

  constructor(
    private readonly transport: KafkaBatchTransport,
    private readonly intake: EventIntake,
    private readonly poller: RetryPoller,
    private readonly replays: ReplayWorker,
    private readonly dispatcher: Dispatcher,
    private readonly lanes: OrderedLanes,
    private readonly outcomes: OutcomeWriter,
    private readonly store: DeliveryStore,
    private readonly sender: HttpSender,
    private readonly instance: InstanceRegistry,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    // The retry queue does not depend on the events topic: it starts first (kafkajs' run() can stay pending while a
    // first group join is retried, e.g. on a broker whose coordinator is still loading).
    await this.instance.start();
    await this.outcomes.recoverCrashed();
    this.poller.start();
    this.replays.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.poller.stop();
    this.replays.stop();
    this.intake.stopTakingIntoMemory();
    await this.transport.pause(Topics.events);
    const handBack = this.dispatcher.drainQueued();
    // First attempts not started get pending rows (any instance's poller takes them); claimed ones their leases back.
    const unsaved = handBack.flatMap((w) => (isUnsaved(w.unsaved) ? [w.unsaved] : []));
    const leased = [
      ...handBack.filter((w) => !isUnsaved(w.unsaved)).map((w) => w.deliveryId),
      // Deliveries of ordered lanes' runs not handed to the dispatcher yet.
      ...this.lanes.stop(),
    ];
    this.outcomes.handBack(unsaved);
    await this.dispatcher.stop();
    await this.sender.close();
    await this.outcomes.flushAll();
    // Offsets move past what is written now; anything not written is consumed again by the next instance.
    await this.transport.stop(Topics.events, COMMIT_SETTLE_MS);
    await this.store.releaseLeases(leased, this.instance.id).catch((err: Error) => {
      this.logger.warn(`could not release ${leased.length} leases (they expire on their own): ${err.message}`);
    });
    await this.instance.stop();
  }
}
