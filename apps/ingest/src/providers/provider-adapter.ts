import type { CachedSource } from '../sources/source-cache';

/** What a provider adapter hands to the intake, once the request is authenticated and valid. */
export interface AdaptedEvent {
  /** Canonical type, `<provider>.<event>`. */
  type: string;
  occurredAt: string | null;
  data: Record<string, unknown>;
  /** The Kaynko Test button: marks the source as verified. */
  verifiesSource?: boolean;
}

export interface InboundRequest {
  headers: Record<string, string | string[] | undefined>;
  query: Record<string, unknown>;
  body: Buffer;
}

/** One per provider: authenticates, parses and validates its callbacks, knowing nothing of Kafka or HTTP servers. */
export interface ProviderAdapter {
  readonly provider: CachedSource['provider'];
  /** Throws 401 when the request is not from the source (before the body is parsed). */
  authenticate(source: CachedSource, request: InboundRequest): void;
  /** Throws 400 naming each problem. */
  adapt(request: InboundRequest): AdaptedEvent;
}

export function header(request: InboundRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
