import { RateLimiter } from './rate-limiter';

describe('RateLimiter', () => {
  it('allows the burst, then refuses with a wait, then refills', () => {
    const limiter = new RateLimiter(10, 3);
    const t = 1_000_000;
    expect([limiter.take('a', t), limiter.take('a', t), limiter.take('a', t)]).toEqual([0, 0, 0]);
    expect(limiter.take('a', t)).toBe(1);
    expect(limiter.take('b', t)).toBe(0); // keys are independent
    expect(limiter.take('a', t + 100)).toBe(0); // 100 ms at 10/s refills one token
  });
});
