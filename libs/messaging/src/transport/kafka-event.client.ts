import { ClientProxy, ReadPacket, WritePacket } from '@nestjs/microservices';
import { Observable, lastValueFrom, throwError } from 'rxjs';
import type { MessageProducer, OutgoingRecord } from '../message-producer';

const EVENTS_ONLY = 'Kafka carries events here: emit() a record, there is no request/response (send)';

/**
 * The one `ClientProxy` a service publishes through: `emit(topic, record | records)` goes out on the batching
 * idempotent producer (acks=all), and the returned observable completes only once the broker has acknowledged every
 * record (it errors if it refuses, or on the producer's send timeout), e.g.
 * `await acknowledged(client.emit(Topics.events, canonicalEventRecord(event)))`.
 *
 * The producer belongs to MessagingModule (connected at init, flushed and closed at shutdown), so `connect` and
 * `close` have nothing to do here.
 */
export class KafkaEventClient extends ClientProxy {
  constructor(private readonly producer: MessageProducer) {
    super();
  }

  connect(): Promise<void> {
    return Promise.resolve();
  }

  close(): void {
    // The producer is MessagingModule's to close, after the service has stopped producing.
  }

  /** The batching idempotent producer. */
  unwrap<T>(): T {
    return this.producer as T;
  }

  /**
   * Sends at once (hot, as Nest's clients are) and completes once the broker has acknowledged. Unlike the base class's
   * (a deferred connect, then a connectable Subject), a subscriber that comes after the ack still gets it, and the
   * hot path (ingest: one emit per accepted event) allocates one observable, which `acknowledged()` awaits without
   * subscribing.
   */
  override emit<TResult = void, TInput = OutgoingRecord | OutgoingRecord[]>(
    pattern: unknown,
    data: TInput,
  ): Observable<TResult> {
    return new Acknowledgement(this.dispatchEvent<TResult>({ pattern, data }));
  }

  override send<TResult = never>(_pattern?: unknown, _data?: unknown): Observable<TResult> {
    return throwError(() => new Error(EVENTS_ONLY));
  }

  protected publish(_packet: ReadPacket, callback: (packet: WritePacket) => void): () => void {
    callback({ err: new Error(EVENTS_ONLY), isDisposed: true });
    return () => undefined;
  }

  protected dispatchEvent<T = void>(packet: ReadPacket<unknown>): Promise<T> {
    const topic: unknown = packet.pattern;
    if (typeof topic !== 'string') return Promise.reject(new Error('emit() takes a topic name as its pattern'));
    const records = Array.isArray(packet.data) ? (packet.data as unknown[]) : [packet.data];
    if (!records.length || !records.every(isOutgoingRecord)) {
      return Promise.reject(
        new Error(`emit(${topic}) takes a record { key?, value: string | Buffer, headers? }, or several`),
      );
    }
    return this.producer.send(topic, records) as Promise<T>;
  }
}

/** What `KafkaEventClient.emit()` returns: an observable of the broker's ack that also holds the ack's promise. */
class Acknowledgement<T> extends Observable<T> {
  constructor(readonly ack: Promise<T>) {
    super((subscriber) => {
      ack.then(
        (value) => {
          subscriber.next(value);
          subscriber.complete();
        },
        (err: unknown) => subscriber.error(err),
      );
    });
    // A failure nobody subscribed to (a fire-and-forget emit) must not become an unhandled rejection.
    ack.catch(() => undefined);
  }
}

/**
 * Awaits an `emit()`: resolves once the broker has acknowledged every record; rejects if it did not take them. For
 * `KafkaEventClient`'s emit it awaits the ack's promise itself (no subscription: ingest does this per event).
 */
export async function acknowledged(emitted: Observable<unknown>): Promise<void> {
  if (emitted instanceof Acknowledgement) await emitted.ack;
  else await lastValueFrom(emitted, { defaultValue: undefined });
}

function isOutgoingRecord(value: unknown): value is OutgoingRecord {
  if (typeof value !== 'object' || value === null) return false;
  const record = value as Partial<OutgoingRecord>;
  return typeof record.value === 'string' || Buffer.isBuffer(record.value);
}
