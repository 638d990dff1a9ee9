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

/** A finite JSON number whose magnitude is a believable amount of money or count (no 1e308 totals). */
export function IsAmount(options?: ValidationOptions): PropertyDecorator {
  return (target: object, propertyName: string | symbol) =>
    registerDecorator({
      name: 'isAmount',
      target: target.constructor,
      propertyName: propertyName as string,
      options: { message: '$property must be a finite number between -1e12 and 1e12', ...options },
      validator: {
        validate: (value: unknown) => typeof value === 'number' && Number.isFinite(value) && Math.abs(value) <= 1e12,
      },
    });
}

/** A non-negative integer id that fits a JavaScript number exactly. */
export function IsIntId(options?: ValidationOptions): PropertyDecorator {
  return (target: object, propertyName: string | symbol) =>
    registerDecorator({
      name: 'isIntId',
      target: target.constructor,
      propertyName: propertyName as string,
      options: { message: '$property must be a non-negative integer', ...options },
      validator: {
        validate: (value: unknown) => typeof value === 'number' && Number.isSafeInteger(value) && value >= 0,
      },
    });
}
