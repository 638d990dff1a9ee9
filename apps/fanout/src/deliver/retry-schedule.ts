const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** `"5s,5m,2h"` → `[5000, 300000, 7200000]`. */
export function parseRetrySchedule(text: string): number[] {
  return text.split(',').map((part) => {
    const match = /^\s*(\d+(?:\.\d+)?)(ms|s|m|h)\s*$/.exec(part);
    if (!match) throw new Error(`invalid duration "${part}"`);
    return Math.round(Number(match[1]) * UNITS[match[2]!]!);
  });
}

/**
 * Delay before the next attempt after `attemptsMade` attempts, with ±20 % jitter so that a recovering endpoint is
 * not hit by every retry at once; null when the schedule is exhausted.
 */
export function retryDelay(schedule: readonly number[], attemptsMade: number, random = Math.random): number | null {
  const base = schedule[attemptsMade - 1];
  if (base === undefined) return null;
  return Math.round(base * (0.8 + 0.4 * random()));
}
