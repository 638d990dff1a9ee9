import type { CanonicalEventV1 } from './canonical-event';
import { EVENT_FIELDS } from './endpoint-filter';

/**
 * How an endpoint's deliveries are ordered: `none` (all at once, the default), `source` (one after another per
 * source, in ingest's acceptance order) or `key` (the same per value of `orderingKey` within a source; an event
 * without that value is ordered with its source's).
 */
export const ENDPOINT_ORDERINGS = ['none', 'source', 'key'] as const;
export type EndpointOrdering = (typeof ENDPOINT_ORDERINGS)[number];

/**
 * Longest key value kept as it is in a lane's name; a longer one is named by its first 200 characters and its length
 * (two such values may then share a lane: ordered together, never apart).
 */
const MAX_KEY_LENGTH = 200;

/**
 * RFC 6901's reference tokens of a JSON Pointer (`/data/saleId` → `["data", "saleId"]`, `~1` is `/`, `~0` is `~`),
 * or the reason it is none. Written here rather than taken from a package: the grammar is two escapes, and the
 * pointer must also start at a field of the canonical event, which no package checks.
 */
export function orderingKeyProblem(pointer: string): string | null {
  if (!pointer.startsWith('/')) return 'must be a JSON Pointer (RFC 6901) starting with "/", e.g. "/data/saleId"';
  if (/~(?![01])/.test(pointer)) return 'uses "~" other than in the escapes "~0" (for ~) and "~1" (for /)';
  const [first] = pointerTokens(pointer);
  if (!EVENT_FIELDS.includes(first ?? '')) {
    return `starts with no field of the event: use one of ${EVENT_FIELDS.map((f) => `/${f}`).join(', ')} (the payload is under /data)`;
  }
  if (pointer.length > 256) return 'is longer than 256 characters';
  return null;
}

function pointerTokens(pointer: string): string[] {
  return pointer
    .slice(1)
    .split('/')
    .map((token) => token.replaceAll('~1', '/').replaceAll('~0', '~'));
}

/**
 * Compiles an endpoint's ordering into the function that names an event's lane: the deliveries one after another,
 * `s:<sourceId>` for source ordering (and for an event whose key is missing, null, an object or an array), and
 * `k:<sourceId>:<value>` for key ordering (a string as it is, a number or boolean as JSON). Null for `none`.
 */
export function compileOrdering(
  ordering: EndpointOrdering,
  orderingKey: string | null,
): ((event: CanonicalEventV1) => string) | null {
  if (ordering === 'none') return null;
  if (ordering === 'source' || !orderingKey) return (event) => `s:${event.sourceId}`;
  const tokens = pointerTokens(orderingKey);
  return (event) => {
    let node: unknown = event;
    for (const token of tokens) {
      if (typeof node !== 'object' || node === null) return `s:${event.sourceId}`;
      node = Array.isArray(node)
        ? /^(0|[1-9]\d*)$/.test(token)
          ? node[Number(token)]
          : undefined
        : (node as Record<string, unknown>)[token];
    }
    const value =
      typeof node === 'string'
        ? node
        : typeof node === 'number' || typeof node === 'boolean'
          ? JSON.stringify(node)
          : null;
    if (value === null) return `s:${event.sourceId}`;
    const named = value.length > MAX_KEY_LENGTH ? `${value.slice(0, MAX_KEY_LENGTH)}…(${value.length})` : value;
    return `k:${event.sourceId}:${named}`;
  };
}

/** What a lane's name says: its source, and its key value (null for a source's lane). */
export function describeLane(lane: string): { sourceId: string; key: string | null } {
  const body = lane.startsWith('r:') ? lane.slice(lane.indexOf(':', 2) + 1) : lane;
  if (body.startsWith('s:')) return { sourceId: body.slice(2), key: null };
  const rest = body.slice(2);
  const colon = rest.indexOf(':');
  return { sourceId: rest.slice(0, colon), key: rest.slice(colon + 1) };
}
