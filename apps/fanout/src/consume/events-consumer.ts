import { Injectable } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { CanonicalEventV1, CanonicalEventV1Message, IdPrefix, Topics } from '@gateway/contracts';
import { BatchConsumer, ConsumedRecord, KafkaConnection } from '@gateway/messaging';
import { pickTraceHeaders } from '@gateway/observability';
import { newId } from '@gateway/security';
import { DeadLetterPublisher } from '../deliver/dead-letter.publisher';
import { Dispatcher } from '../deliver/dispatcher';
import { EndpointCache } from '../endpoints/endpoint-cache';
import { FanoutConfig } from '../fanout.config';
import { DeliveryStore, NewDelivery } from '../store/delivery-store';
import { InstanceRegistry } from '../store/instance-registry';

import { FANOUT_GROUP_ID } from './consumer-group';

/** Events stored (one transaction) and dispatched at a time: a big fetch waits for room in steps, not all at once. */
const CHUNK = 250;

/**
 * Turns each batch of events into stored events and deliveries, in one transaction, before the offsets move on:
 * once committed, every delivery is either in flight from memory or due in the retry queue. A record that is not
 * a valid canonical event goes to the dead-letter topic with the reason, and consumption continues.
 */
@Injectable()
export class EventsConsumer {
  private readonly consumer: BatchConsumer;
  private stopping = false;

  constructor(
    kafka: KafkaConnection,
    private readonly endpoints: EndpointCache,
    private readonly store: DeliveryStore,
    private readonly dispatcher: Dispatcher,
    private readonly deadLetters: DeadLetterPublisher,
    private readonly instance: InstanceRegistry,
    private readonly config: FanoutConfig,
  ) {
    this.consumer = new BatchConsumer(kafka, {
      groupId: FANOUT_GROUP_ID,
      topics: [Topics.events],
      fromBeginning: true,
      partitionsConsumedConcurrently: config.FANOUT_PARTITIONS_CONCURRENTLY,
      handle: async (records, { heartbeat }) => {
        for (let i = 0; i < records.length; i += CHUNK) await this.handle(records.slice(i, i + CHUNK), heartbeat);
      },
    });
  }

  get healthy(): boolean {
    return this.consumer.healthy;
  }

  start(): Promise<void> {
    return this.consumer.start();
  }

  stop(): Promise<void> {
    // A batch waiting for room must not hold the shutdown: it stores what it has, which is handed back at shutdown.
    this.stopping = true;
    return this.consumer.stop();
  }

  /**
   * Stores the batch in one transaction. If the database refuses the data itself (not a connection problem), the
   * batch is stored event by event and only the offending events are dead-lettered: one bad record never blocks
   * its partition. Any other error propagates, so the batch is retried and nothing is committed meanwhile.
   */
  private async persistIsolatingBadData(
    events: CanonicalEventV1[],
    deliveries: Array<NewDelivery & { event: CanonicalEventV1 }>,
  ): Promise<Set<string>> {
    try {
      return await this.store.persist(events, deliveries);
    } catch (err) {
      if (!isDataError(err) || events.length === 0) throw err;
    }
    const created = new Set<string>();
    for (const event of events) {
      const own = deliveries.filter((d) => d.event === event);
      try {
        for (const id of await this.store.persist([event], own)) created.add(id);
      } catch (err) {
        if (!isDataError(err)) throw err;
        own.forEach((d) => (d.leaseUntil = null));
        await this.deadLetters.publish({
          reason: `the event cannot be stored: ${(err as Error).message}`,
          eventId: event.id,
          payload: JSON.stringify(event),
          payloadEncoding: 'utf8',
        });
      }
    }
    return created;
  }

  private async handle(records: ConsumedRecord[], heartbeat: () => Promise<void>): Promise<void> {
    // Back-pressure: while endpoints that keep up have a full backlog in memory, the events wait in Kafka.
    await this.dispatcher.whenRoom(heartbeat, () => this.stopping);
    const events: CanonicalEventV1[] = [];
    // The trace each event belongs to (from its record's traceparent), continued by its deliveries' attempts.
    const traces = new Map<string, Record<string, string>>();
    for (const record of records) {
      const parsed = parseEvent(record.value);
      if (typeof parsed === 'string') {
        await this.deadLetters.publish({
          reason: parsed,
          source: { topic: record.topic, partition: record.partition, offset: record.offset },
          ...encodePayload(record.value),
        });
      } else {
        events.push(parsed);
        const trace = pickTraceHeaders(record.headers);
        if (trace) traces.set(parsed.id, trace);
      }
    }

    const now = new Date();
    const lease = new Date(now.getTime() + this.config.FANOUT_LEASE_SECONDS * 1000);
    const deliveries: Array<NewDelivery & { event: CanonicalEventV1 }> = events.flatMap((event) =>
      this.endpoints.matching(event.tenantId, event.type).map((endpoint) => ({
        id: newId(IdPrefix.delivery),
        eventId: event.id,
        endpointId: endpoint.id,
        tenantId: event.tenantId,
        eventType: event.type,
        // Deliveries that fit in memory are attempted now under a lease; the rest wait in the retry queue.
        leaseUntil: this.dispatcher.hasRoom(endpoint.id) ? lease : null,
        leaseOwner: this.instance.id,
        nextAttemptAt: now,
        event,
      })),
    );
    const created = await this.persistIsolatingBadData(events, deliveries);
    this.dispatcher.enqueue(
      deliveries
        .filter((d) => d.leaseUntil && created.has(d.id))
        .map((d) => ({
          deliveryId: d.id,
          endpointId: d.endpointId,
          attemptCount: 0,
          event: d.event,
          trace: traces.get(d.eventId),
        })),
    );
  }
}

/** PostgreSQL's "data exception" errors (class 22): the record itself cannot be stored, retrying will not help. */
function isDataError(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' && code.startsWith('22');
}

/** The event, or why the record is not one. */
export function parseEvent(value: Buffer | null): CanonicalEventV1 | string {
  if (!value) return 'empty record';
  let json: unknown;
  try {
    json = JSON.parse(value.toString('utf8'));
  } catch {
    return 'not valid JSON';
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return 'not a JSON object';
  const errors = validateSync(plainToInstance(CanonicalEventV1Message, json), { forbidUnknownValues: false });
  if (errors.length) {
    return `not a canonical-event.v1: ${errors.map((e) => `${e.property} ${Object.values(e.constraints ?? {}).join(', ') || 'invalid'}`).join('; ')}`;
  }
  return json as CanonicalEventV1;
}

function encodePayload(value: Buffer | null): { payload?: string; payloadEncoding?: 'utf8' | 'base64' } {
  if (!value) return {};
  try {
    return { payload: new TextDecoder('utf-8', { fatal: true }).decode(value), payloadEncoding: 'utf8' };
  } catch {
    return { payload: value.toString('base64'), payloadEncoding: 'base64' };
  }
}
