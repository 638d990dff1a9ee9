import { retryDelay } from './retry-schedule';

describe('retry schedule', () => {
  it('jitters within ±20 % and ends after the last step', () => {
    const schedule = [1000, 2000];
    expect(retryDelay(schedule, 1, () => 0)).toBe(800);
    expect(retryDelay(schedule, 1, () => 1)).toBe(1200);
    expect(retryDelay(schedule, 2, () => 0.5)).toBe(2000);
    expect(retryDelay(schedule, 3)).toBeNull();
  });
});
