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
} as const;

export type IdKind = keyof typeof IdPrefix;

const ID_PATTERN = /^[a-z]{2,3}_[0-9A-Za-z]{10,40}$/;

/** True when `value` has the shape of an id of `kind` (no lookup). */
export function isIdOf(kind: IdKind, value: string): boolean {
  return ID_PATTERN.test(value) && value.startsWith(`${IdPrefix[kind]}_`);
}
