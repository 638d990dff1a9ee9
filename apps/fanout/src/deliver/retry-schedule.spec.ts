import { parseRetrySchedule, retryDelay } from './retry-schedule';

describe('retry schedule', () => {
  it('parses the default and test schedules', () => {
    expect(parseRetrySchedule('5s,5m,30m,2h,5h,10h,10h')).toEqual([
      5000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000,
    ]);
    expect(parseRetrySchedule('300ms, 600ms,1s,2s')).toEqual([300, 600, 1000, 2000]);
    expect(() => parseRetrySchedule('5 minutes')).toThrow('invalid duration');
  });

  it('jitters within ±20 % and ends after the last step', () => {
    const schedule = [1000, 2000];
    expect(retryDelay(schedule, 1, () => 0)).toBe(800);
    expect(retryDelay(schedule, 1, () => 1)).toBe(1200);
    expect(retryDelay(schedule, 2, () => 0.5)).toBe(2000);
    expect(retryDelay(schedule, 3)).toBeNull();
  });
});
