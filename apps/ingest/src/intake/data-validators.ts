import Ajv, { ValidateFunction } from 'ajv';
import { isISO8601, length, matches, maxLength, minLength } from 'class-validator';
import { CUSTOM_RULES, FieldError, strictDataSchema } from '@gateway/contracts';
import { validateAgainst, validateEnvelope } from './validate-dto';

function compiler(): Ajv {
  const ajv = new Ajv({ strict: false, allErrors: false });
  ajv.addKeyword({
    keyword: 'x-rule',
    schemaType: 'string',
    errors: false,
    validate: (rule: string, value: unknown) => CUSTOM_RULES[rule]!(value),
  });
  ajv.addKeyword({
    keyword: 'x-iso8601',
    schemaType: 'object',
    errors: false,
    validate: (options: object, value: unknown) => isISO8601(value, options),
  });
  const string = (check: (value: string) => boolean) => (value: unknown) => typeof value === 'string' && check(value);
  ajv.addKeyword({
    keyword: 'x-length',
    schemaType: 'array',
    errors: false,
    compile: ([min, max]: [number, number]) => string((value) => length(value, min, max)),
  });
  ajv.addKeyword({
    keyword: 'x-min-length',
    schemaType: 'number',
    errors: false,
    compile: (min: number) => string((value) => minLength(value, min)),
  });
  ajv.addKeyword({
    keyword: 'x-max-length',
    schemaType: 'number',
    errors: false,
    compile: (max: number) => string((value) => maxLength(value, max)),
  });
  ajv.addKeyword({
    keyword: 'x-matches',
    schemaType: 'object',
    errors: false,
    compile: ({ source, flags }: { source: string; flags: string }) => {
      const pattern = new RegExp(source, flags);
      return string((value) => matches(value, pattern));
    },
  });
  return ajv;
}

/**
 * Validates a provider's `data` against its DTO class, with class-validator's verdict and messages, fast: each DTO's
 * strict JSON Schema (strictDataSchema: it accepts nothing the DTO refuses) is compiled once by Ajv; what it accepts
 * is valid, and only what it refuses goes through class-validator, which names each problem. So the accepted set is
 * class-validator's, and so is every 400 (data-validators.spec.ts holds the compiled form to it over the seed
 * examples and systematic mutations). A DTO the schema cannot state exactly keeps class-validator alone.
 */
export class DataValidators {
  private readonly ajv = compiler();
  private readonly compiled = new Map<new () => object, ValidateFunction | null>();

  validate(cls: new () => object, data: Record<string, unknown>, prefix: string): FieldError[] {
    if (this.fast(cls)?.(data)) return [];
    return validateAgainst(cls, data, prefix);
  }

  /**
   * A provider's envelope (`{event, data, …}`, rules on its own top-level fields only) the same way: compiled, and
   * what that refuses named by class-validator through validateEnvelope, which does not copy the payload. On
   * class-validator alone, the envelope was an eighth of what an accepted request allocated.
   */
  envelope(cls: new () => object, body: Record<string, unknown>): FieldError[] {
    if (this.fast(cls)?.(body)) return [];
    return validateEnvelope(cls, body);
  }

  /** The compiled check of `cls`, or null when it has none (then class-validator decides every time). */
  fast(cls: new () => object): ValidateFunction | null {
    let check = this.compiled.get(cls);
    if (check === undefined) {
      const schema = strictDataSchema(cls);
      check = schema && !mentions(schema, 'format') ? this.ajv.compile(schema) : null;
      this.compiled.set(cls, check);
    }
    return check;
  }
}

/** Whether the schema uses `keyword` anywhere (a `format` would be a rule Ajv checks its own way). */
function mentions(schema: unknown, keyword: string): boolean {
  if (Array.isArray(schema)) return schema.some((item) => mentions(item, keyword));
  if (typeof schema !== 'object' || schema === null) return false;
  return Object.entries(schema).some(([key, value]) => key === keyword || mentions(value, keyword));
}
