import { FieldError, invalidEventTypePattern } from '@gateway/contracts';

/** Each event type or wildcard of `eventTypes` that names nothing in the catalog, by its index. */
export function eventTypeProblems(patterns: string[] | undefined, field = 'eventTypes'): FieldError[] {
  const problems: FieldError[] = [];
  patterns?.forEach((pattern, i) => {
    const reason = invalidEventTypePattern(pattern);
    if (reason) problems.push({ field: `${field}[${i}]`, reason });
  });
  return problems;
}
