/** Timestamps leave the API as ISO 8601 strings (or null). */
export const iso = (date: Date | null | undefined): string | null => (date ? date.toISOString() : null);
