import { derivedEventId } from '@gateway/contracts';

/**
 * The event id is a function of the source and the exact bytes received: the same body sent twice (a provider
 * retry, a double tap) gets the same id, and fan-out delivers it once per endpoint.
 */
export function eventIdFor(sourceId: string, rawBody: Buffer): string {
  return derivedEventId(sourceId, rawBody);
}
