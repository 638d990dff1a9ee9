import { ArgumentsHost, Catch, RpcExceptionFilter, UseFilters } from '@nestjs/common';
import { EventPattern } from '@nestjs/microservices';
import { Observable, throwError } from 'rxjs';
import type { ContractClass } from './contract-reader';
import type { KafkaBatchContext, KafkaBroadcastContext } from './kafka-batch.context';
import { KAFKA_BATCH_TRANSPORT } from './kafka-transport.constants';

/**
 * What a consumer-group handler answers: nothing once every message is durably handled, or `{ durable }` when the
 * messages are taken now and durable later (see `BatchConsumerOptions.handle`). Throwing is a transient failure:
 * nothing is committed and the batch comes again.
 */
export type BatchResult = void | { durable: Promise<void> };

/** One member of `group` per instance: each record goes to one instance, in batches of one partition. */
export interface GroupPatternOptions<T extends object> {
  /** The class the records must satisfy; a record that does not is dead-lettered with the reason. */
  contract: ContractClass<T>;
  /** The consumer group; offsets live under it, so never rename it. One topic per group. */
  group: string;
  /** Where a group without committed offsets starts (default true: the beginning). */
  fromBeginning?: boolean;
}

/**
 * Every instance receives every record (its own throwaway group), one at a time and in order, as a batch of one,
 * positioned at the topic's end when it starts. A handler that throws is called again with backoff until it succeeds
 * (the records after it wait, and so does `caughtUp`). A record that is not the contract is logged and skipped, not
 * dead-lettered: every instance reads it, and would write one dead letter each.
 */
export interface BroadcastPatternOptions<T extends object> {
  contract: ContractClass<T>;
  broadcast: true;
}

export type BatchPatternOptions<T extends object = object> = GroupPatternOptions<T> | BroadcastPatternOptions<T>;

/**
 * Hands a handler's error to the transport as it was thrown. Nest's default RPC filter would log it and put
 * `{ status: 'error', message: 'Internal server error' }` in its place; the consumer logs the real error once instead
 * (the batch comes again, or the broadcast record is tried again).
 */
@Catch()
export class PassHandlerErrors implements RpcExceptionFilter<unknown> {
  catch(exception: unknown, _host: ArgumentsHost): Observable<never> {
    return throwError(() => exception);
  }
}

/** The key of `@BatchPattern`'s options in the pattern's extras. */
export const BATCH_PATTERN_EXTRAS = 'kafkaBatch';

type GroupHandler<T> = (messages: T[], context: KafkaBatchContext) => BatchResult | Promise<BatchResult>;
type BroadcastHandler<T> = (messages: T[], context: KafkaBroadcastContext) => void | Promise<void>;
/** Checks the method's type: it takes the contract's messages and answers what the pattern expects. */
type HandlerDecorator<H> = (target: object, key: string | symbol, descriptor: { value?: H }) => void;

/**
 * Declares the controller method that consumes `topic` (a constant of `Topics`) through `KafkaBatchTransport`: it
 * receives the batch's messages, validated against `contract`, as an array (`@Payload()`), and a
 * `KafkaBatchContext` (`@Ctx()`). With `{ broadcast: true }`, every instance receives every record instead.
 */
export function BatchPattern<T extends object>(
  topic: string,
  options: GroupPatternOptions<T>,
): HandlerDecorator<GroupHandler<T>>;
export function BatchPattern<T extends object>(
  topic: string,
  options: BroadcastPatternOptions<T>,
): HandlerDecorator<BroadcastHandler<T>>;
export function BatchPattern<T extends object>(
  topic: string,
  options: BatchPatternOptions<T>,
): HandlerDecorator<GroupHandler<T>> | HandlerDecorator<BroadcastHandler<T>> {
  const decorate = EventPattern(topic, KAFKA_BATCH_TRANSPORT, { [BATCH_PATTERN_EXTRAS]: options });
  const filter = UseFilters(PassHandlerErrors);
  return (target: object, key: string | symbol, descriptor: PropertyDescriptor) => {
    decorate(target, key, descriptor);
    filter(target, key, descriptor);
  };
}

/** The `@BatchPattern` options of a registered handler, if it was declared with it. */
export function batchPatternOf(extras: Record<string, unknown> | undefined): BatchPatternOptions | undefined {
  return extras?.[BATCH_PATTERN_EXTRAS] as BatchPatternOptions | undefined;
}

export function isBroadcast(options: BatchPatternOptions): options is BroadcastPatternOptions<object> {
  return 'broadcast' in options && options.broadcast;
}
