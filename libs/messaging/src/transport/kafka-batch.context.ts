import { BaseRpcContext } from '@nestjs/microservices';
import type { ConsumedRecord } from '../batch-consumer';

/**
 * The `@Ctx()` of a consumer-group `@BatchPattern` handler: one batch of one partition. `getRecords()[i]` is the
 * record of the handler's `messages[i]` (headers such as the trace context, offsets); records that were not the
 * contract are not in it (they are dead-lettered before the handler runs).
 */
export class KafkaBatchContext extends BaseRpcContext<
  [topic: string, partition: number, records: readonly ConsumedRecord[], heartbeat: () => Promise<void>]
> {
  getTopic(): string {
    return this.args[0];
  }

  getPartition(): number {
    return this.args[1];
  }

  getRecords(): readonly ConsumedRecord[] {
    return this.args[2];
  }

  /** Keeps this member in the group during a long wait (back-pressure): call it at least every few seconds. */
  heartbeat(): Promise<void> {
    return this.args[3]();
  }
}

/** The `@Ctx()` of a broadcast `@BatchPattern` handler: every instance receives each record, one at a time. */
export class KafkaBroadcastContext extends BaseRpcContext<[topic: string, heartbeat: () => Promise<void>]> {
  getTopic(): string {
    return this.args[0];
  }

  heartbeat(): Promise<void> {
    return this.args[1]();
  }
}
