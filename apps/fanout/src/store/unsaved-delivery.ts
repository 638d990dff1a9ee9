/**
 * Resolves `done` once `saved()` has been called `count` times: one Kafka batch's deliveries that were dispatched from
 * memory before their rows existed. The batch's offset is committed only then.
 */
export class SaveBarrier {
  readonly done: Promise<void>;
  private left: number;
  private resolve!: () => void;

  constructor(count: number) {
    this.left = count;
    this.done = new Promise<void>((resolve) => (this.resolve = resolve));
    if (count <= 0) this.resolve();
  }

  saved(): void {
    if (this.left > 0 && --this.left === 0) this.resolve();
  }
}

/**
 * A first attempt dispatched straight from Kafka: its row is written once, together with the attempt's outcome
 * (one insert instead of an insert and an update). If the attempt is still queued or in flight after
 * FANOUT_SAVE_AFTER_MS, the row is written as a pending, leased delivery first, so the offset can move on.
 */
export interface UnsavedDelivery {
  id: string;
  eventId: string;
  /** The event's receivedAt as stored (the row's partition key). */
  eventReceivedAt: Date;
  endpointId: string;
  tenantId: string;
  eventType: string;
  /** When it was taken from Kafka. */
  since: number;
  /** Set once a write of its row has been queued (with an outcome, or as pending): later outcomes update the row. */
  saved: boolean;
  barrier: SaveBarrier;
}

/** What the delivery's row is created with, besides its state. */
export function rowOf(d: UnsavedDelivery) {
  const { eventId, eventReceivedAt, endpointId, tenantId, eventType, since } = d;
  return { eventId, eventReceivedAt, endpointId, tenantId, eventType, createdAt: new Date(since) };
}

/** A first attempt whose row is not written, nor queued to be written, yet. */
export function isUnsaved(d: UnsavedDelivery | undefined): d is UnsavedDelivery {
  return d !== undefined && !d.saved;
}
