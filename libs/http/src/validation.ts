import { ArgumentMetadata, Type, ValidationPipe } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { ValidationError } from 'class-validator';
import { FieldError } from '@gateway/contracts';
import { ApiError } from './api-error';
import { checkString } from './storable';

/**
 * Flattens class-validator errors into `{field, reason}` with full paths (`data.items[0].quantity`), one reason per
 * field: `is required` for a missing one (not its type and length rules), else the first rule it breaks. Needs the
 * errors' `value` (validationError.value, on by default) to tell missing from invalid.
 */
export function toFieldErrors(errors: ValidationError[], prefix = ''): FieldError[] {
  const out: FieldError[] = [];
  for (const error of errors) {
    const segment = /^\d+$/.test(error.property)
      ? `[${error.property}]`
      : prefix
        ? `.${error.property}`
        : error.property;
    const path = `${prefix}${segment}`;
    const reasons = Object.values(error.constraints ?? {});
    if (reasons.length) {
      const missing = error.value === undefined && !error.constraints?.['whitelistValidation'];
      out.push({
        field: path,
        reason: missing
          ? 'is required'
          : reasons[0]!.replace(/^(\S+) /, (_, name: string) => (name === error.property ? '' : `${name} `)),
      });
    }
    if (error.children?.length) out.push(...toFieldErrors(error.children, path));
  }
  return out;
}

/** Bodies nest at most this deep (as at ingest): class-transformer recurses, and a deeper body exhausted its stack. */
export const MAX_BODY_DEPTH = 32;

/**
 * Refuses, 400 `invalid_json`, a parsed body nested deeper than MAX_BODY_DEPTH, or holding a string (a key included)
 * PostgreSQL cannot store (`checkString`). One iterative walk, so any depth is measured safely.
 */
export function checkBody(value: unknown): void {
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length) {
    const [node, depth] = stack.pop()!;
    if (typeof node === 'string') checkString(node);
    if (typeof node !== 'object' || node === null) continue;
    if (depth + 1 > MAX_BODY_DEPTH)
      throw ApiError.badRequest('invalid_json', `The request body is nested deeper than ${MAX_BODY_DEPTH} levels.`);
    if (Array.isArray(node)) for (const child of node as unknown[]) stack.push([child, depth + 1]);
    else for (const [key, child] of Object.entries(node)) stack.push([key, depth + 1], [child, depth + 1]);
  }
}

/**
 * The checks of a body its DTO's decorators cannot express — they need a service (the URL guard) or compare fields —
 * run by the validation pipe right after the decorators, so one answer names every invalid field. Declare them on the
 * DTO class with `@CheckedBy(Rules)`; the rules class is a provider of the app.
 */
export interface BodyRules<T> {
  /** Problems with `body`'s fields; `valid(field)` is false for a field the decorators refused already: skip those. */
  check(body: T, valid: (field: string) => boolean): FieldError[] | Promise<FieldError[]>;
}

const BODY_RULES = Symbol('gateway:body-rules');

export function CheckedBy(rules: Type<BodyRules<never>>): ClassDecorator {
  return (target) => Reflect.defineMetadata(BODY_RULES, rules, target);
}

/** How the pipe finds a rules provider: the app's `get`. */
export type ProviderLookup = <T>(type: Type<T>) => T;

/**
 * The pipe, with what the DTOs cannot express refused first, 400 `invalid_json`: bodies too deeply nested to
 * transform (a RangeError, 500, before), and strings PostgreSQL cannot store (a NUL reached it and answered 500).
 * Then the DTO's decorators and its `@CheckedBy` rules, their problems in one answer.
 */
class GatewayValidationPipe extends ValidationPipe {
  constructor(
    options: ConstructorParameters<typeof ValidationPipe>[0],
    private readonly lookup?: ProviderLookup,
  ) {
    super(options);
  }

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type === 'body') checkBody(value);
    const rules = metadata.metatype && (Reflect.getMetadata(BODY_RULES, metadata.metatype) as Type<BodyRules<unknown>>);
    if (!rules) return super.transform(value, metadata) as Promise<unknown>;
    if (!this.lookup)
      throw new Error(`${metadata.metatype.name} declares @CheckedBy rules, but the pipe has no lookup`);
    let body: unknown;
    let problems: FieldError[] = [];
    try {
      body = await super.transform(value, metadata);
    } catch (err) {
      const isObject = typeof value === 'object' && value !== null && !Array.isArray(value);
      if (!(err instanceof ApiError) || err.code !== 'validation_failed' || !isObject) throw err;
      problems = err.details ?? [];
      body = plainToInstance(metadata.metatype, value);
    }
    const refused = problems.map((p) => p.field);
    const valid = (field: string) =>
      !refused.some((f) => f === field || f.startsWith(`${field}.`) || f.startsWith(`${field}[`));
    problems.push(...(await this.lookup(rules).check(body, valid)));
    if (problems.length) throw ApiError.validation(problems);
    return body;
  }
}

/**
 * The global pipe for HTTP bodies and queries: strips nothing silently, refuses unknown fields, names each problem.
 * `lookup` finds the providers of `@CheckedBy` rules (without it, a DTO declaring some is a programming error).
 */
export function createValidationPipe(lookup?: ProviderLookup): ValidationPipe {
  return new GatewayValidationPipe(
    {
      transform: true,
      whitelist: true,
      forbidNonWhitelisted: true,
      forbidUnknownValues: true,
      validationError: { target: false, value: true },
      exceptionFactory: (errors) => ApiError.validation(toFieldErrors(errors)),
    },
    lookup,
  );
}
