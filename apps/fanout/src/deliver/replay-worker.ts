import type { CanonicalEventV1 } from '@gateway/contracts';
import { Injectable, Logger } from '@nestjs/common';
import { EndpointCache } from '../endpoints/endpoint-cache';
import { FanoutConfig } from '../fanout.config';
import { ReplayStore } from '../store/replay-store';
import { OrderedLanes } from './ordered-lanes';

const MAX_REPLAYS_PER_TICK = 20;

/**
 * Turns replay jobs into deliveries at a bounded rate (FANOUT_REPLAY_RATE_PER_SECOND per replay): each second it
 * schedules the next chunk of each open replay (the events its endpoint receives); the retry poller then sends them
 * like any delivery, within the endpoint's own concurrency and rate limits (an ordered endpoint's in lanes of the
 * replay's own: in acceptance order per key among themselves, beside its live deliveries). Jobs are leased rows, so any fan-out
 * instance may advance them.
 */
@Injectable()
export class ReplayWorker {
  private readonly logger = new Logger(ReplayWorker.name);
  private timer?: NodeJS.Timeout;
  private stopped = true;

  constructor(
    private readonly store: ReplayStore,
    private readonly endpoints: EndpointCache,
    private readonly lanes: OrderedLanes,
    private readonly config: FanoutConfig,
  ) {}

  start(): void {
    this.stopped = false;
    this.schedule();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private schedule(): void {
    if (!this.stopped) this.timer = setTimeout(() => void this.tick(), 1000);
  }

  private async tick(): Promise<void> {
    try {
      for (let i = 0; i < MAX_REPLAYS_PER_TICK && !this.stopped; i++) {
        const replay = await this.store.claim(30);
        if (!replay) break;
        // The endpoint as it is now: a change to its filter confirmed before this chunk applies to it.
        await this.endpoints.current();
        const endpoint = this.endpoints.get(replay.endpoint_id);
        const accepts = endpoint ? (event: CanonicalEventV1) => this.endpoints.receives(endpoint, event) : null;
        const lanes = await this.store.scheduleChunk(
          replay,
          this.config.FANOUT_REPLAY_RATE_PER_SECOND,
          accepts,
          endpoint?.laneOf ?? null,
        );
        // An ordered endpoint's replayed deliveries wait in lanes of the replay's own: claimed now.
        this.lanes.kick(lanes);
      }
    } catch (err) {
      this.logger.warn(`replay tick failed: ${(err as Error).message}`);
    }
    this.schedule();
  }
}
