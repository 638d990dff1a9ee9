/** The console's only way to the gateway: the public admin API, with the API key the user signed in with. */

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Array<{ field: string; reason: string }> = [],
  ) {
    super(message);
  }

  /** What to tell a person, for the statuses that mean something about their key. */
  get explanation(): string {
    if (this.status === 401)
      return 'Your API key was not accepted: it may have been revoked or regenerated. Sign in again.';
    if (this.status === 403) return `This API key may not do this. ${this.message}`;
    if (this.status === 429) return 'Too many requests with this key just now; try again in a moment.';
    if (this.status === 0) return 'The gateway cannot be reached. Check your connection and try again.';
    return this.message;
  }
}

const KEY = 'pos-gateway.api-key';

/** The key lives in session storage only: gone when the tab closes, never in a URL. */
export const session = {
  get key(): string | null {
    return sessionStorage.getItem(KEY);
  },
  signIn(key: string): void {
    sessionStorage.setItem(KEY, key);
  },
  signOut(): void {
    sessionStorage.removeItem(KEY);
  },
};

export async function request(method: string, path: string, body?: unknown, key = session.key): Promise<Response> {
  const headers: Record<string, string> = {};
  if (key) headers['authorization'] = `Bearer ${key}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch {
    throw new ApiError(0, 'unreachable', 'The gateway cannot be reached.');
  }
  if (!res.ok) {
    const json = (await res.json().catch(() => null)) as {
      error?: { code?: string; message?: string; details?: Array<{ field: string; reason: string }> };
    } | null;
    throw new ApiError(
      res.status,
      json?.error?.code ?? 'error',
      json?.error?.message ?? res.statusText,
      json?.error?.details,
    );
  }
  return res;
}

export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await request(method, path, body);
  return (res.status === 204 ? undefined : await res.json()) as T;
}

export interface Page<T> {
  data: T[];
  nextCursor: string | null;
}

export interface Endpoint {
  id: string;
  url: string;
  name: string | null;
  description: string | null;
  eventTypes: string[];
  format: 'standard' | 'kaynko';
  enabled: boolean;
  disabledReason: string | null;
  failingSince: string | null;
  timeoutMs: number;
  rateLimitPerSecond: number | null;
  createdAt: string;
}

export interface EndpointStats {
  attempts: number;
  succeeded: number;
  successRate: number | null;
  latencyMs: { p50: number | null; p95: number | null; p99: number | null };
  failuresByReason: Record<string, number>;
  series: Array<{
    from: string;
    attempts: number;
    succeeded: number;
    successRate: number | null;
    p95LatencyMs: number | null;
  }>;
}

export interface Delivery {
  id: string;
  eventId: string;
  eventType: string;
  endpointId: string;
  status: 'pending' | 'retrying' | 'succeeded' | 'failed';
  attemptCount: number;
  nextAttemptAt: string | null;
  lastStatusCode: number | null;
  lastError: string | null;
  replayId: string | null;
  createdAt: string;
  completedAt: string | null;
}

export interface Attempt {
  id: string;
  number: number;
  startedAt: string;
  durationMs: number;
  statusCode: number | null;
  errorClass: string | null;
  errorMessage: string | null;
  responseBody: string | null;
}

export interface GatewayEvent {
  id: string;
  type: string;
  provider: string;
  sourceId: string;
  receivedAt: string;
  occurredAt: string | null;
  data: unknown;
}

export interface Source {
  id: string;
  provider: 'kaynko' | 'digitax' | 'qerko';
  name: string;
  enabled: boolean;
  ingestUrl: string;
  authentication: 'signature' | 'url_token' | 'none';
  verifiedAt: string | null;
  lastSeenAt: string | null;
}

export interface Replay {
  id: string;
  endpointId: string;
  status: string;
  total: number;
  scheduled: number;
  succeeded: number;
  failed: number;
  progress: number;
  completedAt: string | null;
}

export interface EventType {
  type: string;
  provider: string;
  description: string;
}

export interface QerkoRequest {
  id: string;
  uuid: string;
  method: string;
  state: string;
  receivedAt: string;
  answeredVia: string | null;
  timeline: Array<{ at: string; what: string; detail?: string }>;
}
