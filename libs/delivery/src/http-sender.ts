import type { LookupAddress, LookupOptions } from 'node:dns';
import { Agent, Dispatcher, request } from 'undici';
import { DnsLookupError, UrlGuard, UrlRefusedError } from '@gateway/security';

export interface SendRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
}

export interface SendResult {
  statusCode: number | null;
  /** Response body, truncated to the configured cap. */
  body: string | null;
  headers: Record<string, string>;
  durationMs: number;
  firstByteMs: number | null;
  /** Null on a 2xx. */
  errorClass: string | null;
  errorMessage: string | null;
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address?: string | LookupAddress[], family?: number) => void;

/** How much of a long body we read (and throw away) to keep the connection reusable, before closing it instead. */
const DRAIN_LIMIT = 1024 * 1024;

/**
 * Sends one delivery attempt. Every connection goes to an address the UrlGuard vetted: the agent's DNS lookup is
 * ours, so the address checked is the address connected to (no DNS rebinding). Redirects are never followed.
 * Keep-alive pools per origin are reused across attempts.
 */
export interface HttpSenderOptions {
  /** Connections kept per origin (match the per-endpoint concurrency). */
  connectionsPerOrigin: number;
  /** Response bodies are kept up to this many bytes. */
  responseBodyLimitBytes: number;
}

export class HttpSender {
  private readonly agent: Dispatcher;
  /** The syntactic URL check depends only on the URL and the (fixed) policy: done once per endpoint URL. */
  private readonly checked = new Map<string, ReturnType<UrlGuard['checkUrl']>>();

  constructor(
    private readonly guard: UrlGuard,
    private readonly options: HttpSenderOptions,
  ) {
    this.agent = new Agent({
      keepAliveTimeout: 30_000,
      keepAliveMaxTimeout: 60_000,
      connections: options.connectionsPerOrigin,
      connect: {
        timeout: 5000,
        lookup: (hostname: string, options: LookupOptions, callback: LookupCallback) =>
          this.lookup(hostname, options, callback),
      } as never,
    });
  }

  private lookup(hostname: string, options: LookupOptions, callback: LookupCallback): void {
    this.guard.resolve(hostname).then(
      ({ address, family }) => (options.all ? callback(null, [{ address, family }]) : callback(null, address, family)),
      (err: Error) =>
        callback(Object.assign(err, { code: err instanceof UrlRefusedError ? 'EREFUSEDADDRESS' : 'ENOTFOUND' })),
    );
  }

  /** Closes the keep-alive pools (at shutdown). */
  async close(): Promise<void> {
    await this.agent.close();
  }

  async send(req: SendRequest): Promise<SendResult> {
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    const syntactic = this.checkUrl(req.url);
    if (!syntactic.ok) return failure('refused_address', `URL ${syntactic.reason}`, elapsed());

    let response: Dispatcher.ResponseData;
    try {
      // The time to the response headers is bounded by undici's own timer (cheaper than an AbortSignal per attempt,
      // which showed in fan-out's profile); the body, below, by what is left of the same budget.
      response = await request(req.url, {
        method: 'POST',
        headers: req.headers,
        body: req.body,
        // undici 7 never follows redirects unless the redirect interceptor is composed in: a 3xx is a failure.
        dispatcher: this.agent,
        headersTimeout: req.timeoutMs,
        bodyTimeout: req.timeoutMs,
      });
    } catch (err) {
      const [errorClass, message] = classify(err, req.timeoutMs);
      return failure(errorClass, message, elapsed());
    }
    const firstByteMs = elapsed();
    const remaining = Math.max(1, req.timeoutMs - firstByteMs);
    const timer = setTimeout(() => response.body.destroy(), remaining);
    const body = await this.readCapped(response.body).finally(() => clearTimeout(timer));
    const ok = response.statusCode >= 200 && response.statusCode < 300;
    return {
      statusCode: response.statusCode,
      body,
      headers: flattenHeaders(response.headers),
      durationMs: elapsed(),
      firstByteMs,
      errorClass: ok ? null : 'http_status',
      errorMessage: ok ? null : `endpoint answered ${response.statusCode}`,
    };
  }

  private checkUrl(url: string): ReturnType<UrlGuard['checkUrl']> {
    let check = this.checked.get(url);
    if (!check) {
      if (this.checked.size >= 10_000) this.checked.clear();
      this.checked.set(url, (check = this.guard.checkUrl(url)));
    }
    return check;
  }

  /** Keeps the first bytes up to the cap; drains a little more so the connection is reused, else closes it. */
  private async readCapped(body: Dispatcher.ResponseData['body']): Promise<string | null> {
    const cap = this.options.responseBodyLimitBytes;
    const chunks: Buffer[] = [];
    let kept = 0;
    let seen = 0;
    try {
      for await (const chunk of body as AsyncIterable<Buffer>) {
        seen += chunk.length;
        if (kept < cap) {
          const part = chunk.subarray(0, cap - kept);
          chunks.push(part);
          kept += part.length;
        }
        if (seen > DRAIN_LIMIT) {
          body.destroy();
          break;
        }
      }
    } catch {
      /* a body cut short still gives us what arrived */
    }
    return chunks.length ? Buffer.concat(chunks).toString('utf8') : null;
  }
}

function failure(errorClass: string, errorMessage: string, durationMs: number): SendResult {
  return { statusCode: null, body: null, headers: {}, durationMs, firstByteMs: null, errorClass, errorMessage };
}

function flattenHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers))
    if (value !== undefined) out[name] = Array.isArray(value) ? value.join(', ') : value;
  return out;
}

/** Maps undici/Node errors to a stable error class and a message that helps the subscriber. */
function classify(err: unknown, timeoutMs: number): [string, string] {
  const e = err as NodeJS.ErrnoException & { cause?: NodeJS.ErrnoException };
  const code = e.code ?? e.cause?.code ?? '';
  const name = e.name ?? '';
  if (e instanceof UrlRefusedError || e.cause instanceof UrlRefusedError || code === 'EREFUSEDADDRESS') {
    return ['refused_address', `URL ${(e.cause ?? e).message}`];
  }
  if (e instanceof DnsLookupError || code === 'ENOTFOUND' || code === 'EAI_AGAIN')
    return ['dns', (e.cause ?? e).message];
  if (
    name === 'TimeoutError' ||
    name === 'AbortError' ||
    code === 'UND_ERR_HEADERS_TIMEOUT' ||
    code === 'UND_ERR_BODY_TIMEOUT'
  ) {
    return ['timeout', `no response within ${timeoutMs} ms`];
  }
  if (code === 'UND_ERR_CONNECT_TIMEOUT') return ['connect_timeout', 'could not connect within 5 s'];
  if (code === 'ECONNREFUSED') return ['connection_refused', 'connection refused'];
  if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET' || code === 'EPIPE')
    return ['connection_reset', 'connection reset by the endpoint'];
  if (/^(ERR_TLS|CERT_|UNABLE_TO|DEPTH_ZERO|SELF_SIGNED|ERR_SSL)/.test(code)) return ['tls', `TLS error: ${code}`];
  return ['network', `${code || name || 'error'}: ${e.message ?? String(err)}`.slice(0, 500)];
}
