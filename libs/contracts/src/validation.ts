import { ValidateIf, ValidationOptions, registerDecorator } from 'class-validator';

/**
 * The field must be present; `null` is a valid value and skips the other validators.
 * (class-validator's IsOptional also lets `undefined` through, which the seeds do not allow.)
 */
export function Nullable(): PropertyDecorator {
  return (target: object, propertyKey: string | symbol) => {
    ValidateIf((object: Record<string | symbol, unknown>) => object[propertyKey] !== null)(target, propertyKey);
    const nullable =
      (Reflect.getMetadata(NULLABLE_KEY, target.constructor) as Set<string> | undefined) ?? new Set<string>();
    nullable.add(String(propertyKey));
    Reflect.defineMetadata(NULLABLE_KEY, nullable, target.constructor);
    CLASSES_WITH_NULLABLES.set(target.constructor.name, target.constructor as new () => object);
  };
}

/** Classes that have Nullable properties, by name (the schema generator resolves `$ref`s by class name). */
export const CLASSES_WITH_NULLABLES = new Map<string, new () => object>();

/** Properties marked Nullable, per class (read by the JSON Schema generator). */
export const NULLABLE_KEY = 'gateway:nullable-properties';

const COMPILED = new Set<object>();

/**
 * Lets compiledCheck run the class's rules as a compiled JSON Schema (class-validator only for what that refuses).
 * Only for a class a mutation spec holds to class-validator: data-validators.spec.ts (the providers' data and
 * envelopes) and contract-reader.spec.ts (the topics' messages). The schema is exact for the decorators those classes
 * use, not for every decorator class-validator has: any other class is checked by class-validator alone.
 */
export function CompiledRules(): ClassDecorator {
  return (target) => void COMPILED.add(target);
}

/** The classes marked CompiledRules. */
export function compiledRuleClasses(): ReadonlySet<object> {
  return COMPILED;
}

/** A finite JSON number whose magnitude is a believable amount of money or count (no 1e308 totals). */
export function isAmount(value: unknown): boolean {
  return typeof value === 'number' && Number.isFinite(value) && Math.abs(value) <= 1e12;
}

/** A non-negative integer id that fits a JavaScript number exactly. */
export function isIntId(value: unknown): boolean {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/** See isAmount. */
export function IsAmount(options?: ValidationOptions): PropertyDecorator {
  return (target: object, propertyName: string | symbol) =>
    registerDecorator({
      name: 'isAmount',
      target: target.constructor,
      propertyName: propertyName as string,
      options: { message: '$property must be a finite number between -1e12 and 1e12', ...options },
      validator: {
        validate: isAmount,
      },
    });
}

/** See isIntId. */
export function IsIntId(options?: ValidationOptions): PropertyDecorator {
  return (target: object, propertyName: string | symbol) =>
    registerDecorator({
      name: 'isIntId',
      target: target.constructor,
      propertyName: propertyName as string,
      options: { message: '$property must be a non-negative integer', ...options },
      validator: {
        validate: isIntId,
      },
    });
}

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?([Zz]|[+-](\d{2}):(\d{2}))$/;

/**
 * Whether `value` is an RFC 3339 date-time that names a real instant PostgreSQL can store: a calendar date that
 * exists (no 2026-02-30), years 0001–9999, hours 00–23, an offset within ±23:59. No week dates, ordinal dates,
 * comma fractions or missing offsets (ISO 8601 allows them; PostgreSQL and most clients do not all agree on them).
 */
export function isRfc3339Instant(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  const m = RFC3339.exec(value);
  if (!m) return false;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  if (year < 1 || month < 1 || month > 12 || hour > 23 || minute > 59 || second > 59) return false;
  const days = [31, isLeap(year) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]!;
  if (day < 1 || day > days) return false;
  if (m[9] !== undefined && (Number(m[9]) > 23 || Number(m[10]) > 59)) return false;
  return true;
}

function isLeap(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

/** An instant as RFC 3339 (`2026-06-11T08:30:00Z`, `…+02:00`, fractions with a dot): see isRfc3339Instant. */
export function IsInstant(options?: ValidationOptions): PropertyDecorator {
  return (target: object, propertyName: string | symbol) =>
    registerDecorator({
      name: 'isInstant',
      target: target.constructor,
      propertyName: propertyName as string,
      options: {
        message: '$property must be an RFC 3339 date-time that exists, such as 2026-06-11T08:30:00Z',
        ...options,
      },
      validator: { validate: (value: unknown) => isRfc3339Instant(value) },
    });
}

/**
 * Like `IsOptional`, but for an absent field only: `null` is validated like any value, and refused by the field's
 * type rule (`IsOptional` lets `null` through, and a `{"name": null}` reached a NOT NULL column: 500). Nullable
 * fields keep `IsOptional` with `ValidateIf((_, v) => v !== null)`.
 */
export function IsOmittable(): PropertyDecorator {
  return ValidateIf((_object, value) => value !== undefined);
}
