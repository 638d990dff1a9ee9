import { createHash } from 'node:crypto';

/** Every public id carries its type as a prefix, like Stripe's: `ten_…`, `evt_…`. */
export const IdPrefix = {
  tenant: 'ten',
  apiKey: 'key',
  source: 'src',
  endpoint: 'ep',
  event: 'evt',
  delivery: 'dlv',
  attempt: 'att',
  replay: 'rpl',
  qerkoRequest: 'qrq',
  portalSession: 'pts',
  recovery: 'rcv',
} as const;

export type IdKind = keyof typeof IdPrefix;

const ID_PATTERN = /^[a-z]{2,3}_[0-9A-Za-z]{10,40}$/;

/** True when `value` has the shape of an id of `kind` (no lookup). */
export function isIdOf(kind: IdKind, value: string): boolean {
  return ID_PATTERN.test(value) && value.startsWith(`${IdPrefix[kind]}_`);
}

/**
 * A deterministic event id: `evt_` + the first 128 bits of SHA-256 over the parts joined by newlines. The same
 * parts always give the same id, which is what makes a re-sent body (or a re-published notice) the same event.
 */
export function derivedEventId(...parts: Array<string | Buffer>): string {
  const hash = createHash('sha256');
  parts.forEach((part, i) => {
    if (i) hash.update('\n');
    hash.update(part);
  });
  return `${IdPrefix.event}_${hash.digest('hex').slice(0, 32)}`;
}
