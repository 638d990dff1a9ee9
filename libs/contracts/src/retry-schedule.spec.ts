import { durationMs, parseRetrySchedule, retryScheduleProblems } from './retry-schedule';

describe('retry schedules', () => {
  it('reads durations in ms, s, m and h', () => {
    expect(['300ms', '10s', '1.5m', '2h', ' 5s '].map(durationMs)).toEqual([300, 10_000, 90_000, 7_200_000, 5000]);
    expect(['5', '5 minutes', '1d', '-1s', ''].map(durationMs)).toEqual([null, null, null, null, null]);
  });

  it("parses the deployment's list and an endpoint's array alike", () => {
    expect(parseRetrySchedule('5s,5m,30m,2h,5h,10h,10h')).toEqual([
      5000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000,
    ]);
    expect(parseRetrySchedule('300ms, 600ms,1s,2s')).toEqual([300, 600, 1000, 2000]);
    expect(parseRetrySchedule(['10s', '1m'])).toEqual([10_000, 60_000]);
    expect(() => parseRetrySchedule('5 minutes')).toThrow('invalid duration "5 minutes"');
  });

  it("takes an endpoint's 1 to 20 steps of 1 s to 24 h, naming each wrong step by its index", () => {
    expect(retryScheduleProblems(['10s', '1m', '10m', '1h'])).toEqual([]);
    expect(retryScheduleProblems(['1s', '24h', '1000ms', '1440m'])).toEqual([]);
    expect(retryScheduleProblems(['10s', '500ms', '25h', 'soon', 60])).toEqual([
      { field: 'retrySchedule[1]', reason: 'must be from 1s to 24h' },
      { field: 'retrySchedule[2]', reason: 'must be from 1s to 24h' },
      { field: 'retrySchedule[3]', reason: 'must be a duration such as "30s", "10m" or "2h"' },
      { field: 'retrySchedule[4]', reason: 'must be a duration such as "30s", "10m" or "2h"' },
    ]);
    const wrongSize = [{ field: 'retrySchedule', reason: expect.stringContaining('1 to 20 delays') }];
    expect(retryScheduleProblems([])).toEqual(wrongSize);
    expect(retryScheduleProblems(Array.from({ length: 21 }, () => '1m'))).toEqual(wrongSize);
    expect(retryScheduleProblems('10s,1m')).toEqual(wrongSize);
  });
});
