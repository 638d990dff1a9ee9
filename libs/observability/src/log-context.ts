import { AsyncLocalStorage } from 'node:async_hooks';

/** Identifiers every log line written while handling one request, event or delivery carries. */
export interface LogFields {
  eventId?: string;
  tenantId?: string;
  sourceId?: string;
  endpointId?: string;
  deliveryId?: string;
  qerkoRequestId?: string;
}

const storage = new AsyncLocalStorage<LogFields>();

/** Runs `fn` with these fields (added to the current ones) on every log line it writes, however deep. */
export function withLogFields<T>(fields: LogFields, fn: () => T): T {
  return storage.run({ ...storage.getStore(), ...fields }, fn);
}

/** Adds fields to the unit of work in progress (an HTTP request opens one), for the lines still to come. */
export function addLogFields(fields: LogFields): void {
  const store = storage.getStore();
  if (store) Object.assign(store, fields);
}

export function currentLogFields(): LogFields | undefined {
  return storage.getStore();
}
