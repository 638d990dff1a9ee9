/**
 * What fan-out knows about one endpoint's behaviour, in memory per instance:
 * - a circuit breaker: open at ≥ 70 % failures over ≥ 10 attempts in 5 minutes; after a cool-down one probe goes
 *   through (half-open); its success closes the circuit, its failure re-opens it with a doubled cool-down;
 * - adaptive concurrency (AIMD): +1/limit per success up to the configured maximum, halved on overload signals
 *   (429, 503, timeouts), never below 1 — so a struggling receiver gets less traffic while it recovers; and reduced
 *   by a quarter when successes get much slower than the endpoint's usual latency (queueing at the receiver).
 */
export interface HealthOptions {
  windowMs: number;
  minAttempts: number;
  failureRatio: number;
  coolDownMs: number;
  maxCoolDownMs: number;
  maxConcurrency: number;
  initialConcurrency: number;
}

export const DEFAULT_HEALTH: HealthOptions = {
  windowMs: 5 * 60_000,
  minAttempts: 10,
  failureRatio: 0.7,
  coolDownMs: 30_000,
  maxCoolDownMs: 5 * 60_000,
  maxConcurrency: 16,
  initialConcurrency: 4,
};

export type BreakerState = 'closed' | 'open' | 'half-open';
export type AttemptSignal = 'success' | 'failure' | 'overload';

/**
 * Attempts and failures over a sliding window, kept in ~30 buckets: O(1) per attempt however many attempts the
 * window holds (a list of every attempt made each record O(n), which at thousands of attempts per second was most of
 * fan-out's CPU). A bucket is forgotten once its newest attempt leaves the window, so the window is exact to within
 * one bucket (10 s of the default 5 minutes), erring on the side of remembering.
 */
export class SlidingWindow {
  private buckets: Array<{ start: number; last: number; total: number; failures: number }> = [];
  private readonly bucketMs: number;
  total = 0;
  failures = 0;

  constructor(private readonly windowMs: number) {
    this.bucketMs = Math.max(1, Math.floor(windowMs / 30));
  }

  add(now: number, ok: boolean): void {
    this.expire(now);
    let bucket = this.buckets[this.buckets.length - 1];
    if (!bucket || now - bucket.start >= this.bucketMs) {
      bucket = { start: now, last: now, total: 0, failures: 0 };
      this.buckets.push(bucket);
    }
    bucket.last = Math.max(bucket.last, now);
    bucket.total++;
    this.total++;
    if (!ok) {
      bucket.failures++;
      this.failures++;
    }
  }

  reset(): void {
    this.buckets = [];
    this.total = this.failures = 0;
  }

  private expire(now: number): void {
    const since = now - this.windowMs;
    while (this.buckets.length && this.buckets[0]!.last < since) {
      const old = this.buckets.shift()!;
      this.total -= old.total;
      this.failures -= old.failures;
    }
  }
}

export class EndpointHealth {
  private readonly outcomes: SlidingWindow;
  private state: BreakerState = 'closed';
  private openUntil = 0;
  private coolDown: number;
  private probing = false;
  private limit: number;
  /** Smoothed latency of recent successes, and the endpoint's usual (fast) latency. */
  private ewmaMs: number | null = null;
  private baselineMs: number | null = null;

  constructor(private readonly options: HealthOptions = DEFAULT_HEALTH) {
    this.coolDown = options.coolDownMs;
    this.outcomes = new SlidingWindow(options.windowMs);
    this.limit = Math.min(options.initialConcurrency, options.maxConcurrency);
  }

  get breakerState(): BreakerState {
    return this.state;
  }

  /** How many attempts may be in flight to this endpoint now. */
  get concurrency(): number {
    return Math.max(1, Math.floor(this.limit));
  }

  /** May an attempt start now? If not, when to try again (the delivery is rescheduled, never dropped). */
  admit(now = Date.now()): { allowed: true; probe: boolean } | { allowed: false; retryAt: number } {
    if (this.state === 'closed') return { allowed: true, probe: false };
    if (this.state === 'open' && now >= this.openUntil) this.state = 'half-open';
    if (this.state === 'half-open' && !this.probing) {
      this.probing = true;
      return { allowed: true, probe: true };
    }
    return { allowed: false, retryAt: Math.max(this.openUntil, now + 1000) };
  }

  record(signal: AttemptSignal, probe: boolean, now = Date.now(), latencyMs?: number): void {
    const ok = signal === 'success';
    if (ok && latencyMs !== undefined && this.slowingDown(latencyMs)) this.limit = Math.max(1, this.limit * 0.75);
    else if (ok) this.limit = Math.min(this.options.maxConcurrency, this.limit + 1 / this.limit);
    else if (signal === 'overload') this.limit = Math.max(1, this.limit / 2);

    if (probe) {
      this.probing = false;
      if (ok) {
        this.state = 'closed';
        this.coolDown = this.options.coolDownMs;
        this.outcomes.reset();
      } else {
        this.coolDown = Math.min(this.options.maxCoolDownMs, this.coolDown * 2);
        this.open(now);
      }
      return;
    }
    this.outcomes.add(now, ok);
    if (this.state !== 'closed' || this.outcomes.total < this.options.minAttempts) return;
    if (this.outcomes.failures / this.outcomes.total >= this.options.failureRatio) this.open(now);
  }

  /** Is this success much slower than usual (3× the baseline and over 250 ms)? Updates the averages. */
  private slowingDown(latencyMs: number): boolean {
    this.ewmaMs = this.ewmaMs === null ? latencyMs : this.ewmaMs * 0.8 + latencyMs * 0.2;
    // The baseline follows fast answers at once and forgives slowly (1 % per success), so a lasting change is learnt.
    this.baselineMs = this.baselineMs === null ? latencyMs : Math.min(latencyMs, this.baselineMs * 1.01);
    return this.ewmaMs > 250 && this.ewmaMs > 3 * this.baselineMs;
  }

  private open(now: number): void {
    this.state = 'open';
    this.openUntil = now + this.coolDown;
  }
}

/** One EndpointHealth per endpoint id. */
export class EndpointHealthRegistry {
  private readonly byEndpoint = new Map<string, EndpointHealth>();

  constructor(private readonly options: HealthOptions = DEFAULT_HEALTH) {}

  get(endpointId: string): EndpointHealth {
    let health = this.byEndpoint.get(endpointId);
    if (!health) this.byEndpoint.set(endpointId, (health = new EndpointHealth(this.options)));
    return health;
  }

  /** Counts of circuits by state (for metrics). */
  states(): Record<BreakerState, number> {
    const counts: Record<BreakerState, number> = { closed: 0, open: 0, 'half-open': 0 };
    for (const health of this.byEndpoint.values()) counts[health.breakerState]++;
    return counts;
  }
}
