import type { CachedSource } from '../sources/source-cache';

export type Proof = 'signature' | 'token' | 'none';

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
  /**
   * Throws 401 when the request is not from the source (before the body is parsed); else says how it proved it was:
   * its signature, its URL token, or nothing (a source with neither, which only the provider's Test ping verifies).
   */
  authenticate(source: CachedSource, request: InboundRequest): Proof;
  /** Throws 400 naming each problem. */
  adapt(request: InboundRequest): AdaptedEvent;
}

export function header(request: InboundRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
