import type { FieldError } from '@gateway/contracts';

/** At most this many headers a subscriber adds to its deliveries (an endpoint's `headers`). */
export const MAX_CUSTOM_HEADERS = 20;
/** ... and at most this many characters of names and values in all. */
export const MAX_CUSTOM_HEADER_CHARS = 8192;

/** An HTTP token (RFC 9110 §5.6.2): what a header name may be. */
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/**
 * Names an endpoint may not set: hop-by-hop and framing headers (the HTTP client refuses several outright, and the
 * others would change how the request is sent or routed), and the ones the gateway sets itself (the signature, the
 * body's type and length, who is calling).
 */
const RESERVED =
  /^(host|connection|keep-alive|te|trailer|transfer-encoding|upgrade|expect|proxy-.*|content-.*|user-agent|webhook-.*|x-kaynko-.*|x-gateway-event-id)$/i;

/** Printable Latin-1, space and tab: no C0 or C1 control characters, no DEL, nothing above U+00FF. */
const CUSTOM_VALUE = /^[\t\x20-\x7e\xa0-\xff]*$/;

/**
 * Every problem with the headers a subscriber asks to be sent with its deliveries, each naming its header: checked
 * when an endpoint is created or updated, so that nothing stored can fail at delivery time.
 */
export function customHeaderProblems(headers: Record<string, unknown>): FieldError[] {
  const problems: FieldError[] = [];
  const entries = Object.entries(headers);
  let chars = 0;
  for (const [name, value] of entries) {
    const field = `headers.${name}`;
    chars += name.length + (typeof value === 'string' ? value.length : 0);
    if (!TOKEN.test(name)) problems.push({ field, reason: 'is not a valid header name (an HTTP token)' });
    else if (RESERVED.test(name))
      problems.push({
        field,
        reason: 'cannot be set: it is a hop-by-hop or framing header, or one the gateway sets itself',
      });
    else if (typeof value !== 'string') problems.push({ field, reason: 'must be a string' });
    else if (!CUSTOM_VALUE.test(value))
      problems.push({
        field,
        reason: 'must be printable Latin-1 (U+0020–U+007E, U+00A0–U+00FF or tab): no control characters',
      });
  }
  if (entries.length > MAX_CUSTOM_HEADERS)
    problems.push({ field: 'headers', reason: `at most ${MAX_CUSTOM_HEADERS} headers` });
  if (chars > MAX_CUSTOM_HEADER_CHARS)
    problems.push({
      field: 'headers',
      reason: `at most ${MAX_CUSTOM_HEADER_CHARS} characters of names and values in all`,
    });
  return problems;
}

/** What undici accepts as a header value (Node's own rule): tab, printable ASCII and the upper half of Latin-1. */
const SENDABLE_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;
/** Names undici refuses to send (it throws before the request reaches a connection). */
const UNSENDABLE = /^(transfer-encoding|keep-alive|upgrade|expect|connection)$/i;

/**
 * Why the HTTP client would refuse these request headers, or null. The sender checks every attempt's headers with
 * it before handing them to undici, whose connection pool loses a connection slot for good on each request it
 * refuses (undici 7: the client is marked as needing a drain that never comes).
 */
export function unsendableHeader(headers: Record<string, string>): string | null {
  for (const name in headers) {
    const value = headers[name];
    if (!TOKEN.test(name)) return `header name ${JSON.stringify(name.slice(0, 100))} is not an HTTP token`;
    if (UNSENDABLE.test(name)) return `header ${name} cannot be sent`;
    if (typeof value !== 'string' || !SENDABLE_VALUE.test(value))
      return `header ${name} has a value that cannot be sent`;
  }
  return null;
}
