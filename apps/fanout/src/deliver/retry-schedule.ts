/**
 * Delay before the next attempt after `attemptsMade` attempts, with ±20 % jitter so that a recovering endpoint is
 * not hit by every retry at once; null when the schedule is exhausted.
 */
export function retryDelay(schedule: readonly number[], attemptsMade: number, random = Math.random): number | null {
  const base = schedule[attemptsMade - 1];
  if (base === undefined) return null;
  return Math.round(base * (0.8 + 0.4 * random()));
}
