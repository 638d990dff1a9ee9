import { DIGITAX_EVENTS } from './providers/digitax';
import { GATEWAY_EVENTS } from './providers/gateway';
import { KAYNKO_EVENTS } from './providers/kaynko';
import { QERKO_DESCRIPTIONS, QERKO_METHODS, QerkoRequestEventData } from './providers/qerko';

export interface EventTypeDefinition {
  /** `<provider>.<event>` */
  type: string;
  provider: 'kaynko' | 'digitax' | 'qerko' | 'gateway';
  description: string;
  /** The class that validates `data` (its JSON Schema is generated from it). */
  dataClass: new () => object;
  /** Delivered only to endpoints that name the type exactly (never through `*` or `kaynko.*`). */
  explicitOnly?: boolean;
}

/** Every event type the gateway can deliver. Built from the provider contracts, never copied by hand. */
export const EVENT_TYPES: readonly EventTypeDefinition[] = [
  ...KAYNKO_EVENTS.map((spec) => ({
    type: `kaynko.${spec.event}`,
    provider: 'kaynko' as const,
    description: spec.description,
    dataClass: spec.dataClass,
    explicitOnly: spec.event === 'ping',
  })),
  ...DIGITAX_EVENTS.map((spec) => ({
    type: `digitax.${spec.event}`,
    provider: 'digitax' as const,
    description: spec.description,
    dataClass: spec.dataClass,
  })),
  ...QERKO_METHODS.map((method) => ({
    type: `qerko.${method}`,
    provider: 'qerko' as const,
    description: `${QERKO_DESCRIPTIONS[method]} Answer in the 200 response body ({"result"} or {"error": {code, message}}), or answer 202 and POST /v1/qerko/replies later.`,
    dataClass: QerkoRequestEventData,
  })),
  ...GATEWAY_EVENTS.map((spec) => ({
    type: `gateway.${spec.event}`,
    provider: 'gateway' as const,
    description: spec.description,
    dataClass: spec.dataClass,
    explicitOnly: spec.event === 'ping',
  })),
];

const BY_TYPE = new Map(EVENT_TYPES.map((def) => [def.type, def]));

export function eventTypeDefinition(type: string): EventTypeDefinition | undefined {
  return BY_TYPE.get(type);
}

/**
 * Is `pattern` a valid subscription: `*`, a wildcard such as `kaynko.*` or `kaynko.sale.*`, or an exact known type?
 * Returns the reason when it is not.
 */
export function invalidEventTypePattern(pattern: string): string | null {
  if (pattern === '*') return null;
  // A wildcard is a prefix ending in `.*` at any level (`kaynko.*`, `kaynko.sale.*`), the same on endpoints and
  // replays (`subscribesTo`, `subscriptionFilter`); it must cover at least one type of the catalog.
  if (pattern.endsWith('.*')) {
    const prefix = pattern.slice(0, -1);
    return EVENT_TYPES.some((def) => def.type.startsWith(prefix))
      ? null
      : `no event types under "${prefix.slice(0, -1)}"`;
  }
  return BY_TYPE.has(pattern) ? null : `unknown event type "${pattern}"`;
}

/** Does an endpoint subscribed to `patterns` receive `type`? Explicit-only types match exact names only. */
export function subscribesTo(patterns: readonly string[], type: string): boolean {
  const explicitOnly = BY_TYPE.get(type)?.explicitOnly ?? false;
  for (const pattern of patterns) {
    if (pattern === type) return true;
    if (explicitOnly) continue;
    if (pattern === '*') return true;
    if (pattern.endsWith('.*') && type.startsWith(pattern.slice(0, -1))) return true;
  }
  return false;
}

/**
 * A subscription as SQL-friendly parts: exact types, provider prefixes (`kaynko.`), whether `*` is present, and the
 * explicit-only types that wildcards never match. Lets the database filter events the way `subscribesTo` does.
 */
export function subscriptionFilter(patterns: readonly string[]): {
  exact: string[];
  prefixes: string[];
  all: boolean;
  explicitOnly: string[];
} {
  return {
    exact: patterns.filter((p) => p !== '*' && !p.endsWith('.*')),
    prefixes: patterns.filter((p) => p.endsWith('.*')).map((p) => p.slice(0, -1)),
    all: patterns.includes('*'),
    explicitOnly: EVENT_TYPES.filter((def) => def.explicitOnly).map((def) => def.type),
  };
}
