import type { LookupAddress, LookupOptions } from 'node:dns';
import { Logger } from '@nestjs/common';
import { Agent, Dispatcher } from 'undici';
import { DnsLookupError, UrlGuard, UrlRefusedError } from '@gateway/security';
import { unsendableHeader } from './custom-headers';

export interface SendRequest {
  url: string;
  headers: Record<string, string>;
  body: string | Buffer;
  timeoutMs: number;
}

export interface SendResult {
  statusCode: number | null;
  /** Response body, truncated to the configured cap. */
  body: string | null;
  /**
   * Response headers (lower-case names) of an answer that is not a 2xx, where Retry-After matters; empty on a 2xx,
   * whose headers nothing reads (building them showed in fan-out's profile).
   */
  headers: Readonly<Record<string, string>>;
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
  /** Time to connect (TCP and TLS); default 5000 ms. */
  connectTimeoutMs?: number;
  /** The HTTP client (tests give a fake); default an undici Agent built from the options above. */
  createDispatcher?: (agentOptions: Agent.Options) => Dispatcher;
}

/** What an attempt may take beyond its connect time and its timeout before the hard deadline ends it. */
const DEADLINE_GRACE_MS = 1000;

export class HttpSender {
  private readonly logger = new Logger(HttpSender.name);
  private agent: Dispatcher;
  private closed = false;
  private readonly connectTimeoutMs: number;
  /** The syntactic URL check depends only on the URL and the (fixed) policy: done once per endpoint URL. */
  private readonly checked = new Map<string, ReturnType<UrlGuard['checkUrl']>>();
  /** Host names that resolved to an allowed private address (see `reachesPrivately`). */
  private readonly privateHosts = new Set<string>();

  constructor(
    private readonly guard: UrlGuard,
    private readonly options: HttpSenderOptions,
  ) {
    this.connectTimeoutMs = options.connectTimeoutMs ?? 5000;
    this.agent = this.newAgent();
  }

  private newAgent(): Dispatcher {
    const agentOptions: Agent.Options = {
      keepAliveTimeout: 30_000,
      keepAliveMaxTimeout: 60_000,
      connections: this.options.connectionsPerOrigin,
      connect: {
        timeout: this.connectTimeoutMs,
        lookup: (hostname: string, options: LookupOptions, callback: LookupCallback) =>
          this.lookup(hostname, options, callback),
      } as never,
    };
    return this.options.createDispatcher?.(agentOptions) ?? new Agent(agentOptions);
  }

  /**
   * A request undici refuses while it is being dispatched costs its origin's pool a connection slot for good (the
   * pool waits for a drain that never comes); the attempts checked here never should be, but if one is, the pools
   * are replaced rather than left to stall every later delivery to that origin. The old ones finish what they hold.
   */
  private renewAgent(reason: string): void {
    if (this.closed) return;
    this.logger.error(`the HTTP client refused a request while dispatching it (${reason}): connection pools renewed`);
    const old = this.agent;
    this.agent = this.newAgent();
    old.close().catch(() => undefined);
    setTimeout(() => void old.destroy().catch(() => undefined), 60_000).unref();
  }

  private lookup(hostname: string, options: LookupOptions, callback: LookupCallback): void {
    this.guard.resolve(hostname).then(
      ({ address, family }) => {
        if (this.guard.allowedPrivately(address)) {
          if (this.privateHosts.size >= 10_000) this.privateHosts.clear();
          this.privateHosts.add(hostname);
        }
        return options.all ? callback(null, [{ address, family }]) : callback(null, address, family);
      },
      (err: Error) =>
        callback(Object.assign(err, { code: err instanceof UrlRefusedError ? 'EREFUSEDADDRESS' : 'ENOTFOUND' })),
    );
  }

  /** Closes the keep-alive pools (at shutdown). */
  async close(): Promise<void> {
    this.closed = true;
    await this.agent.close();
  }

  /**
   * One attempt. Its promise always settles, by the hard deadline (connect time + timeout + 1 s) at the latest,
   * whatever the HTTP client does: callers hold concurrency slots until it does.
   */
  send(req: SendRequest): Promise<SendResult> {
    const started = performance.now();
    const syntactic = this.checkUrl(req.url);
    if (!syntactic.ok) return Promise.resolve(failure('refused_address', `URL ${syntactic.reason}`, 0));
    const unsendable = unsendableHeader(req.headers);
    if (unsendable) return Promise.resolve(failure('invalid_request', unsendable, 0));
    return new Promise<SendResult>((resolve) => {
      const handler = new AttemptHandler(started, req.timeoutMs, this.options.responseBodyLimitBytes, resolve);
      handler.expireAfter(this.connectTimeoutMs + req.timeoutMs + DEADLINE_GRACE_MS);
      // undici's dispatch API: no response stream or promise per attempt (request() showed in fan-out's profile).
      // The time to the response headers is bounded by undici's own timer; the body by what is left of the budget.
      // undici 7 never follows redirects unless the redirect interceptor is composed in: a 3xx is a failure.
      handler.dispatching = true;
      try {
        this.agent.dispatch(
          {
            origin: syntactic.url.origin,
            path: `${syntactic.url.pathname}${syntactic.url.search}`,
            method: 'POST',
            headers: req.headers,
            body: req.body,
            headersTimeout: req.timeoutMs,
            bodyTimeout: req.timeoutMs,
          },
          handler,
        );
      } catch (err) {
        handler.onError(err as Error);
      } finally {
        handler.dispatching = false;
      }
      if (handler.refusedWhileDispatching) this.renewAgent(handler.refusedWhileDispatching);
    });
  }

  /**
   * Is this URL's host, or did its name resolve to, a private address the operator allowed
   * (GATEWAY_ALLOWED_PRIVATE_CIDRS)? What such a target answers comes from inside the operator's network and is not
   * shown to tenants (the admin API's Test asks after sending; deliveries never need to).
   */
  reachesPrivately(url: string): boolean {
    const check = this.checkUrl(url);
    if (!check.ok) return false;
    const host = check.url.hostname.replace(/^\[|\]$/g, '');
    return this.guard.allowedPrivately(host) || this.privateHosts.has(host);
  }

  private checkUrl(url: string): ReturnType<UrlGuard['checkUrl']> {
    let check = this.checked.get(url);
    if (!check) {
      if (this.checked.size >= 10_000) this.checked.clear();
      this.checked.set(url, (check = this.guard.checkUrl(url)));
    }
    return check;
  }
}

/**
 * One attempt's response, with undici's (legacy, and for it direct) handler interface: keeps the first bytes of the
 * body up to the cap and drains a little more so the connection is reused, else closes it. A body cut short (the
 * budget ran out, the connection closed, or it was too long) still gives what arrived, with the status code.
 */
class AttemptHandler implements Dispatcher.DispatchHandler {
  /** True while undici's dispatch() runs: an error then means the client refused the request outright. */
  dispatching = false;
  refusedWhileDispatching: string | null = null;
  private abort: ((err: Error) => void) | null = null;
  private statusCode: number | null = null;
  private rawHeaders: Buffer[] | string[] = [];
  private firstByteMs: number | null = null;
  private readonly chunks: Buffer[] = [];
  private kept = 0;
  private seen = 0;
  private timer: NodeJS.Timeout | null = null;
  private deadline: NodeJS.Timeout | null = null;
  private done = false;

  constructor(
    private readonly started: number,
    private readonly timeoutMs: number,
    private readonly cap: number,
    private readonly resolve: (result: SendResult) => void,
  ) {}

  /** Ends the attempt as a timeout after this long, whether or not undici ever calls back. */
  expireAfter(ms: number): void {
    this.deadline = setTimeout(() => {
      this.abort?.(new Error('hard deadline'));
      this.finish(
        failure('timeout', `no response within ${this.timeoutMs} ms (the attempt's hard deadline)`, this.elapsed()),
      );
    }, ms);
  }

  onConnect(abort: (err?: Error) => void): void {
    // A request still queued in the pool when its attempt ended is never written: it was already reported.
    if (this.done) return abort(new Error('the attempt already ended'));
    this.abort = abort;
  }

  onHeaders(statusCode: number, rawHeaders: Buffer[] | string[]): boolean {
    if (statusCode < 200) return true; // informational (100 Continue): the real answer follows
    this.statusCode = statusCode;
    this.rawHeaders = rawHeaders;
    this.firstByteMs = this.elapsed();
    const remaining = Math.max(1, this.timeoutMs - this.firstByteMs);
    this.timer = setTimeout(() => this.abort?.(new Error('body timeout')), remaining);
    return true;
  }

  onData(chunk: Buffer): boolean {
    this.seen += chunk.length;
    if (this.kept < this.cap) {
      const part = chunk.subarray(0, this.cap - this.kept);
      this.chunks.push(part);
      this.kept += part.length;
    }
    if (this.seen > DRAIN_LIMIT) this.abort?.(new Error('body too long to drain'));
    return true;
  }

  onComplete(): void {
    this.finishWithResponse();
  }

  onError(err: Error): void {
    if (this.dispatching) this.refusedWhileDispatching = err.message;
    if (this.statusCode !== null) return this.finishWithResponse();
    const [errorClass, message] = classify(err, this.timeoutMs);
    this.finish(failure(errorClass, message, this.elapsed()));
  }

  private finishWithResponse(): void {
    const statusCode = this.statusCode!;
    const ok = statusCode >= 200 && statusCode < 300;
    this.finish({
      statusCode,
      body: this.chunks.length ? Buffer.concat(this.chunks).toString('utf8') : null,
      headers: ok ? NO_HEADERS : headersOf(this.rawHeaders),
      durationMs: this.elapsed(),
      firstByteMs: this.firstByteMs,
      errorClass: ok ? null : 'http_status',
      errorMessage: ok ? null : `endpoint answered ${statusCode}`,
    });
  }

  private finish(result: SendResult): void {
    if (this.done) return;
    this.done = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.deadline) clearTimeout(this.deadline);
    this.resolve(result);
  }

  private elapsed(): number {
    return Math.round(performance.now() - this.started);
  }
}

const NO_HEADERS: Readonly<Record<string, string>> = Object.freeze({});

function failure(errorClass: string, errorMessage: string, durationMs: number): SendResult {
  return { statusCode: null, body: null, headers: NO_HEADERS, durationMs, firstByteMs: null, errorClass, errorMessage };
}

/** Raw header pairs as lower-case names; repeated headers joined with ", ". */
function headersOf(raw: Buffer[] | string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!.toString().toLowerCase();
    const value = raw[i + 1]!.toString();
    out[name] = name in out ? `${out[name]}, ${value}` : value;
  }
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
