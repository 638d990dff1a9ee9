import { Transform } from 'class-transformer';

/** `"true"`/`"1"`/`"yes"` → true, `"false"`/`"0"`/`"no"` → false; anything else stays a string (and fails IsBoolean). */
export const ToBoolean = () =>
  Transform(({ value }: { value: unknown }) => {
    if (typeof value === 'boolean') return value;
    const text = String(value).trim().toLowerCase();
    if (['true', '1', 'yes'].includes(text)) return true;
    if (['false', '0', 'no'].includes(text)) return false;
    return value;
  });

/** Numeric strings → numbers; anything else stays as is (and fails IsInt). */
export const ToNumber = () =>
  Transform(({ value }: { value: unknown }) =>
    typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value.trim()) ? Number(value) : value,
  );

/** Comma-separated list → trimmed, non-empty items. */
export const ToList = () =>
  Transform(({ value }: { value: unknown }): unknown =>
    Array.isArray(value)
      ? value
      : (typeof value === 'string' ? value : '')
          .split(',')
          .map((item) => item.trim())
          .filter(Boolean),
  );
