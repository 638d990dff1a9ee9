import type { FieldError } from './errors';

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const DURATION = /^\s*(\d+(?:\.\d+)?)(ms|s|m|h)\s*$/;

/**
 * An endpoint's own `retrySchedule`: 1–20 delays, each 1 s–24 h. (The deployment's GATEWAY_RETRY_SCHEDULE is not
 * bounded so: tests retry after 300 ms.)
 */
export const RETRY_SCHEDULE_LIMITS = { steps: 20, minMs: 1000, maxMs: 24 * 3_600_000 } as const;

/** `"90s"` → 90000; `"1.5h"`, `"300ms"`, `"10m"` too (units ms, s, m, h); null when it is no duration. */
export function durationMs(text: string): number | null {
  const match = DURATION.exec(text);
  return match ? Math.round(Number(match[1]) * UNITS[match[2]!]!) : null;
}

/** `"5s,5m,2h"` or `["5s", "5m", "2h"]` → `[5000, 300000, 7200000]`; throws on a step that is no duration. */
export function parseRetrySchedule(schedule: string | readonly string[]): number[] {
  return (typeof schedule === 'string' ? schedule.split(',') : schedule).map((step) => {
    const ms = durationMs(step);
    if (ms === null) throw new Error(`invalid duration "${step}"`);
    return ms;
  });
}

/** The problems of an endpoint's `retrySchedule` as the request gives it (by index), or none. */
export function retryScheduleProblems(schedule: unknown, field = 'retrySchedule'): FieldError[] {
  const { steps, minMs, maxMs } = RETRY_SCHEDULE_LIMITS;
  if (!Array.isArray(schedule) || schedule.length < 1 || schedule.length > steps) {
    return [{ field, reason: `must be an array of 1 to ${steps} delays such as ["10s", "1m", "10m", "1h"]` }];
  }
  const problems: FieldError[] = [];
  schedule.forEach((step: unknown, i) => {
    const ms = typeof step === 'string' ? durationMs(step) : null;
    if (ms === null) {
      problems.push({ field: `${field}[${i}]`, reason: 'must be a duration such as "30s", "10m" or "2h"' });
    } else if (ms < minMs || ms > maxMs) {
      problems.push({ field: `${field}[${i}]`, reason: 'must be from 1s to 24h' });
    }
  });
  return problems;
}
