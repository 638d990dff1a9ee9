import { Injectable, OnModuleInit } from '@nestjs/common';
import { CanonicalEventV1, Headers, IdPrefix, Topics } from '@gateway/contracts';
import { BatchResult, ConsumedRecord, DeadLetterPublisher, KafkaBatchTransport } from '@gateway/messaging';
import { pickTraceHeaders } from '@gateway/observability';
import { isDataError } from '@gateway/persistence';
import { newId } from '@gateway/security';

import { Dispatcher } from '../deliver/dispatcher';
import { EndpointCache } from '../endpoints/endpoint-cache';
import { OrderedLanes } from '../deliver/ordered-lanes';
import { DeliveryStore, LaneRef, NewDelivery } from '../store/delivery-store';
import { OutcomeWriter } from '../store/outcome-writer';
import { SaveBarrier } from '../store/unsaved-delivery';

/** Events stored (one transaction) and dispatched at a time: a big fetch waits for room in steps, not all at once. */
const CHUNK = 250;

/**
 * Turns each batch of events (EventsController's, validated canonical events) into stored events and deliveries.
 * Kafka is the queue of first attempts: the batch's answer `{ durable }` settles once every delivery it made has a
 * row (written with its first outcome, or pending in the retry queue), and the transport commits its offset only
 * then, so a crash before that consumes it again. Events the database refuses are dead-lettered one by one.
 */
@Injectable()
export class EventIntake implements OnModuleInit {
  private stopping = false;

  constructor(
    private readonly transport: KafkaBatchTransport,
    private readonly endpoints: EndpointCache,
    private readonly store: DeliveryStore,
    private readonly dispatcher: Dispatcher,
    private readonly deadLetters: DeadLetterPublisher,
    private readonly outcomes: OutcomeWriter,
    private readonly lanes: OrderedLanes,
  ) {}

  onModuleInit(): void {
    // First attempts held in memory have no rows yet: a new owner of their partition would make them again.
    this.transport.on('rebalancing', (topic) => {
      if (topic === Topics.events) this.outcomes.saveHeldNow();
    });
  }

  /**
   * Takes one batch of one partition (`records[i]` is the record of `events[i]`, for its trace headers) and answers
   * when its deliveries are durable.
   */
  async take(
    events: readonly CanonicalEventV1[],
    records: readonly ConsumedRecord[],
    heartbeat: () => Promise<void>,
  ): Promise<BatchResult> {
    // Matched under every configuration change confirmed before its events were accepted: each carries the mark
    // ingest (or the bridge) decided it under, which the replica is nearly always past already; an event without
    // one waits as for a change published before the batch was fetched. Not current in time: the batch comes again.
    await this.endpoints.currentAsOf(records.map((r) => r.headers[Headers.configMark]));
    const barriers: SaveBarrier[] = [];
    for (let i = 0; i < events.length; i += CHUNK) {
      barriers.push(await this.handle(events.slice(i, i + CHUNK), records.slice(i, i + CHUNK), heartbeat));
    }
    return { durable: Promise.all(barriers.map((b) => b.done)).then(() => undefined) };
  }

  /**
   * From now on (a shutdown), a batch waiting for room stops waiting and stores its events, its deliveries going to
   * the retry queue (not to memory).
   */
  stopTakingIntoMemory(): void {
    this.stopping = true;
  }

  /**
   * Stores the events (and the deliveries that go straight to the retry queue) in one transaction; returns the events
   * stored, and which of them were stored before (consumed again, or sent again), with the receivedAt of the stored
   * copy. If the database refuses the data itself (not a
   * connection problem), the batch is stored event by event and only the offending events are dead-lettered: one bad
   * record never blocks its partition. Any other error propagates, so the batch is retried and nothing is committed.
   */
  private async persistIsolatingBadData(
    events: CanonicalEventV1[],
    queued: Array<NewDelivery & { event: CanonicalEventV1 }>,
  ): Promise<{ stored: CanonicalEventV1[]; seenBefore: Map<string, Date> }> {
    try {
      return { stored: events, seenBefore: await this.store.persist(events, queued) };
    } catch (err) {
      if (!isDataError(err) || events.length === 0) throw err;
    }
    const seenBefore = new Map<string, Date>();
    const stored: CanonicalEventV1[] = [];
    for (const event of events) {
      try {
        const own = queued.filter((d) => d.event === event);
        for (const [id, at] of await this.store.persist([event], own)) seenBefore.set(id, at);
        stored.push(event);
      } catch (err) {
        if (!isDataError(err)) throw err;
        await this.deadLetters.publish({
          reason: `the event cannot be stored: ${(err as Error).message}`,
          eventId: event.id,
          payload: JSON.stringify(event),
          payloadEncoding: 'utf8',
        });
      }
    }
    return { stored, seenBefore };
  }

  /**
   * Stores the batch's events, then dispatches their deliveries from memory without writing them first: each row is
   * written once, with its first outcome (or as pending after FANOUT_SAVE_AFTER_MS). The batch's offset is committed
   * when every one of them is written. Deliveries that do not fit in memory are written to the retry queue at once.
   */
  private async handle(
    batch: readonly CanonicalEventV1[],
    records: readonly ConsumedRecord[],
    heartbeat: () => Promise<void>,
  ): Promise<SaveBarrier> {
    // Back-pressure: while endpoints that keep up have a full backlog in memory, the events wait in Kafka.
    await this.dispatcher.whenRoom(heartbeat, () => this.stopping);
    const events: CanonicalEventV1[] = [];
    const seen = new Set<string>();
    // The trace each event belongs to (from its record's traceparent), continued by its deliveries' attempts.
    const traces = new Map<string, Record<string, string>>();
    // Each event's Kafka offset: its place in the lanes of ordered endpoints (a source's events share a partition).
    const offsets = new Map<string, string>();
    batch.forEach((event, i) => {
      // The same event twice in a batch (a provider's retry of the same body) is handled once.
      if (seen.has(event.id)) return;
      seen.add(event.id);
      events.push(event);
      const offset = records[i]?.offset;
      if (offset !== undefined) offsets.set(event.id, offset);
      const trace = pickTraceHeaders(records[i]?.headers ?? {});
      if (trace) traces.set(event.id, trace);
    });

    const now = new Date();
    const all = events.flatMap((event) =>
      this.endpoints.matching(event).map((endpoint) => {
        // An ordered endpoint's deliveries wait in their lanes in the retry queue (OrderedLanes attempts them).
        // (A record always has an offset; without one, there would be no place in the lane.)
        const laneSeq = offsets.get(event.id) ?? null;
        const lane = laneSeq === null ? null : (endpoint.laneOf?.(event) ?? null);
        return {
          id: newId(IdPrefix.delivery),
          eventId: event.id,
          eventReceivedAt: new Date(event.receivedAt),
          endpointId: endpoint.id,
          tenantId: event.tenantId,
          eventType: event.type,
          leaseUntil: null,
          leaseOwner: null,
          nextAttemptAt: now,
          createdAt: now,
          event,
          lane,
          laneSeq: lane === null ? null : laneSeq,
          // Deliveries that fit in memory are attempted now; the rest wait in the retry queue.
          inMemory: lane === null && !this.stopping && this.dispatcher.hasRoom(endpoint.id),
        };
      }),
    );
    const { stored, seenBefore } = await this.persistIsolatingBadData(
      events,
      // (A first attempt this instance holds for the same event and endpoint gets its row itself.)
      all.filter((d) => !d.inMemory && !this.outcomes.holds(d.eventId, d.endpointId)),
    );
    // An event seen before (sent again by its provider, or consumed again after a crash or rebalance) may have its
    // deliveries already: rows, or first attempts this instance holds in memory. Its stored copy is the event: a body
    // sent again is delivered (to an endpoint that has no delivery of it yet) with the receivedAt it was stored with.
    const storedIds = new Set(stored.map((e) => e.id));
    // Lanes that just got deliveries are claimed now (unless an instance runs them: it goes on with them).
    const lanes = new Map<string, LaneRef>();
    for (const d of all) {
      if (d.lane !== null && storedIds.has(d.eventId))
        lanes.set(`${d.endpointId} ${d.lane}`, { endpointId: d.endpointId, lane: d.lane });
    }
    this.lanes.kick([...lanes.values()]);
    const existing = await this.store.existingDeliveries(seenBefore);
    const alreadyMade = (d: { eventId: string; endpointId: string }) =>
      seenBefore.has(d.eventId) &&
      (existing.has(`${d.eventId} ${d.endpointId}`) || this.outcomes.holds(d.eventId, d.endpointId));
    const dispatch = all.filter((d) => d.inMemory && storedIds.has(d.eventId) && !alreadyMade(d));
    const barrier = new SaveBarrier(dispatch.length);
    const since = now.getTime();
    const work = dispatch
      .map((d) => {
        const storedAt = seenBefore.get(d.eventId) ?? d.eventReceivedAt;
        const event =
          storedAt.getTime() === d.eventReceivedAt.getTime()
            ? d.event
            : { ...d.event, receivedAt: storedAt.toISOString() };
        return { ...d, event, eventReceivedAt: storedAt };
      })
      .map((d) => ({
        deliveryId: d.id,
        endpointId: d.endpointId,
        attemptCount: 0,
        event: d.event,
        trace: traces.get(d.eventId),
        unsaved: {
          id: d.id,
          eventId: d.eventId,
          eventReceivedAt: d.eventReceivedAt,
          endpointId: d.endpointId,
          tenantId: d.tenantId,
          eventType: d.eventType,
          since,
          saved: false,
          barrier,
        },
      }));
    this.outcomes.track(work.map((w) => w.unsaved));
    this.dispatcher.enqueue(work);
    return barrier;
  }
}
