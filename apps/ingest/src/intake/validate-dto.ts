import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { FieldError } from '@gateway/contracts';
import { toFieldErrors } from '@gateway/http';

/**
 * Validates a plain object against a DTO class and returns each problem with its path under `prefix`.
 * Unknown extra properties are allowed (providers add fields); the object itself is never modified.
 */
export function validateAgainst(cls: new () => object, value: Record<string, unknown>, prefix: string): FieldError[] {
  const instance = plainToInstance(cls, value, { enableImplicitConversion: false });
  const errors = validateSync(instance, {
    whitelist: false,
    forbidUnknownValues: false,
    validationError: { target: false },
  });
  return toFieldErrors(errors, prefix);
}
