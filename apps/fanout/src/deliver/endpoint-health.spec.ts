import { DEFAULT_HEALTH, EndpointHealth, SlidingWindow } from './endpoint-health';

describe('EndpointHealth circuit breaker', () => {
  const t0 = 1_000_000;

  it('stays closed below the minimum number of attempts, whatever fails', () => {
    const health = new EndpointHealth();
    for (let i = 0; i < 9; i++) health.record('failure', false, t0 + i);
    expect(health.breakerState).toBe('closed');
    expect(health.admit(t0 + 10).allowed).toBe(true);
  });

  it('opens at ≥ 70 % failures over ≥ 10 attempts and reschedules instead of sending', () => {
    const health = new EndpointHealth();
    for (let i = 0; i < 3; i++) health.record('success', false, t0 + i);
    for (let i = 0; i < 7; i++) health.record('failure', false, t0 + 10 + i);
    expect(health.breakerState).toBe('open');
    const decision = health.admit(t0 + 100);
    expect(decision).toEqual({ allowed: false, retryAt: t0 + 16 + DEFAULT_HEALTH.coolDownMs });
  });

  it('does not open at 60 % failures', () => {
    const health = new EndpointHealth();
    for (let i = 0; i < 4; i++) health.record('success', false, t0 + i);
    for (let i = 0; i < 6; i++) health.record('failure', false, t0 + 10 + i);
    expect(health.breakerState).toBe('closed');
  });

  it('forgets attempts older than the window', () => {
    const health = new EndpointHealth();
    for (let i = 0; i < 9; i++) health.record('failure', false, t0 + i);
    health.record('failure', false, t0 + DEFAULT_HEALTH.windowMs + 100);
    expect(health.breakerState).toBe('closed');
  });

  it('lets one probe through after the cool-down; success closes, failure re-opens for twice as long', () => {
    const health = new EndpointHealth();
    for (let i = 0; i < 10; i++) health.record('failure', false, t0);
    const afterCoolDown = t0 + DEFAULT_HEALTH.coolDownMs;
    expect(health.admit(afterCoolDown)).toEqual({ allowed: true, probe: true });
    expect(health.admit(afterCoolDown).allowed).toBe(false); // only one probe at a time
    health.record('failure', true, afterCoolDown);
    expect(health.breakerState).toBe('open');
    expect(health.admit(afterCoolDown + DEFAULT_HEALTH.coolDownMs).allowed).toBe(false);
    const second = afterCoolDown + 2 * DEFAULT_HEALTH.coolDownMs;
    expect(health.admit(second)).toEqual({ allowed: true, probe: true });
    health.record('success', true, second);
    expect(health.breakerState).toBe('closed');
    expect(health.admit(second + 1)).toEqual({ allowed: true, probe: false });
  });
});

describe('EndpointHealth adaptive concurrency', () => {
  it('grows while healthy up to the maximum and halves on overload, never below 1', () => {
    const health = new EndpointHealth({ ...DEFAULT_HEALTH, initialConcurrency: 4, maxConcurrency: 8 });
    expect(health.concurrency).toBe(4);
    for (let i = 0; i < 200; i++) health.record('success', false);
    expect(health.concurrency).toBe(8);
    health.record('overload', false);
    expect(health.concurrency).toBe(4);
    for (let i = 0; i < 10; i++) health.record('overload', false);
    expect(health.concurrency).toBe(1);
  });

  it('shrinks when successes get much slower than usual, and grows again once they are fast', () => {
    const health = new EndpointHealth({ ...DEFAULT_HEALTH, initialConcurrency: 8, maxConcurrency: 8 });
    for (let i = 0; i < 20; i++) health.record('success', false, Date.now(), 20);
    expect(health.concurrency).toBe(8);
    for (let i = 0; i < 20; i++) health.record('success', false, Date.now(), 2000);
    expect(health.concurrency).toBeLessThanOrEqual(2);
    for (let i = 0; i < 300; i++) health.record('success', false, Date.now(), 20);
    expect(health.concurrency).toBe(8);
  });

  it('does not shrink on ordinary failures (a 500 is not back-pressure)', () => {
    const health = new EndpointHealth();
    health.record('failure', false);
    expect(health.concurrency).toBe(DEFAULT_HEALTH.initialConcurrency);
  });
});

describe('SlidingWindow', () => {
  const t0 = 5_000_000;

  it('counts attempts and failures inside the window and forgets buckets that left it', () => {
    const window = new SlidingWindow(300_000);
    for (let i = 0; i < 100; i++) window.add(t0 + i * 1000, i % 4 !== 0); // 25 failures over 100 s
    expect([window.total, window.failures]).toEqual([100, 25]);
    window.add(t0 + 300_000 + 50_000, true); // the first ~50 s have left the window (to within one 10 s bucket)
    expect(window.total).toBeGreaterThanOrEqual(51);
    expect(window.total).toBeLessThanOrEqual(61);
    window.add(t0 + 10 * 300_000, false);
    expect([window.total, window.failures]).toEqual([1, 1]);
    window.reset();
    expect([window.total, window.failures]).toEqual([0, 0]);
  });

  it('keeps a bounded number of buckets however many attempts it counts', () => {
    const window = new SlidingWindow(300_000);
    for (let i = 0; i < 200_000; i++) window.add(t0 + i * 5, true); // 1,000 s at 200 attempts/s
    expect(window.total).toBeLessThanOrEqual(300_000 / 5 + 2000);
    expect((window as unknown as { buckets: unknown[] }).buckets.length).toBeLessThanOrEqual(31);
  });
});
