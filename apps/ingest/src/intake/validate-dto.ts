import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { FieldError } from '@gateway/contracts';
import { toFieldErrors } from '@gateway/http';

/**
 * Validates a plain object against a DTO class and returns each problem with its path under `prefix`.
 * Unknown extra properties are allowed (providers add fields); the object itself is never modified.
 */
export function validateAgainst(cls: new () => object, value: Record<string, unknown>, prefix: string): FieldError[] {
  return validateInstance(plainToInstance(cls, value, { enableImplicitConversion: false }), prefix);
}

/**
 * The same for an envelope, whose rules look only at its own top-level fields (no nested DTOs): the instance gets the
 * body's fields by reference, so the payload it carries is not deep-copied once more just to check that it is an
 * object (plainToInstance copies every nested value). `value` must come from parseJsonObject, which drops
 * `__proto__` and `constructor` keys: copied with Object.assign, either would swap the class and skip its rules.
 */
export function validateEnvelope(cls: new () => object, value: Record<string, unknown>): FieldError[] {
  return validateInstance(Object.assign(new cls(), value), '');
}

function validateInstance(instance: object, prefix: string): FieldError[] {
  const errors = validateSync(instance, {
    whitelist: false,
    forbidUnknownValues: false,
    validationError: { target: false },
  });
  return toFieldErrors(errors, prefix);
}
