import type { CanonicalEventV1 } from '@gateway/contracts';
import { signKaynko, standardWebhookHeaders } from '@gateway/webhooks';
import type { DeliveryTarget } from './delivery-target';

export const USER_AGENT = `PosEventGateway/${process.env['npm_package_version'] ?? '0.1.0'} (webhooks)`;

export interface RenderedRequest {
  /** UTF-8 bytes, shared by every endpoint and attempt of the event (read-only). */
  body: Buffer;
  headers: Record<string, string>;
}

/**
 * The bytes and headers of one attempt, per endpoint format:
 * - `standard`: Standard Webhooks — body `{type, timestamp, data}`, `webhook-id` = event id (same on every retry),
 *   `webhook-timestamp` = this attempt, `webhook-signature` with every active secret;
 * - `kaynko`: drop-in for receivers written against Kaynko — body `{event, data, timestamp}` with the original
 *   event name, `X-Kaynko-Event` and `X-Kaynko-Signature: sha256=<hex HMAC of the exact body bytes>`; and
 *   `X-Gateway-Event-Id` = event id (same on every retry and replay), to de-duplicate on as `webhook-id`.
 */
export function renderRequest(
  event: CanonicalEventV1,
  endpoint: DeliveryTarget,
  secrets: string[],
  now = Date.now(),
): RenderedRequest {
  const timestamp = event.occurredAt ?? event.receivedAt;
  const base = { ...endpoint.headers, 'content-type': 'application/json', 'user-agent': USER_AGENT };
  if (endpoint.format === 'kaynko') {
    const name = event.provider === 'kaynko' ? event.type.slice('kaynko.'.length) : event.type;
    const body = cachedBody(event, 'kaynko', () => ({ event: name, data: event.data, timestamp }));
    const signature = signKaynko(secrets[0]!, body);
    return {
      body,
      headers: { ...base, 'x-kaynko-event': name, 'x-kaynko-signature': signature, 'x-gateway-event-id': event.id },
    };
  }
  const body = cachedBody(event, 'standard', () => ({ type: event.type, timestamp, data: event.data }));
  return { body, headers: { ...base, ...standardWebhookHeaders(secrets, event.id, Math.floor(now / 1000), body) } };
}

/**
 * An event's body per format, serialised and encoded once however many endpoints (and attempts from memory) it goes
 * to, as the bytes both the signature and the request use (a string would be encoded again for each); held only as
 * long as the event object itself.
 */
const bodies = new WeakMap<CanonicalEventV1, Partial<Record<DeliveryTarget['format'], Buffer>>>();
function cachedBody(event: CanonicalEventV1, format: DeliveryTarget['format'], body: () => object): Buffer {
  let cached = bodies.get(event);
  if (!cached) bodies.set(event, (cached = {}));
  return (cached[format] ??= Buffer.from(JSON.stringify(body())));
}

/**
 * The secrets a request is signed with: the current one, and during a rotation's overlap the previous one too, so
 * that receivers can switch without a gap. Fan-out's deliveries and the admin API's Test alike.
 */
export function signingSecrets(
  current: string,
  previous: string | null,
  previousExpiresAt: number | null,
  now = Date.now(),
): string[] {
  return previous && previousExpiresAt !== null && previousExpiresAt > now ? [current, previous] : [current];
}
