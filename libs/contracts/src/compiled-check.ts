import Ajv from 'ajv';
import { isISO8601, length, matches, maxLength, minLength } from 'class-validator';
import { CUSTOM_RULES, strictDataSchema } from './strict-schema';
import { compiledRuleClasses } from './validation';

/** A class-validator class's rules compiled: true when a value passes them all. */
export type CompiledCheck = (value: unknown) => boolean;

/** Ajv with the keywords strictDataSchema writes, each checked by the function its decorator calls. */
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

let ajv: Ajv | null = null;
const compiled = new Map<new () => object, CompiledCheck | null>();

/**
 * The compiled form of a class marked CompiledRules — its strict JSON Schema (strictDataSchema: it accepts nothing the
 * class refuses) compiled once by Ajv — or null for any other class, or one that holds a rule no schema states
 * exactly. What it accepts is valid; what it refuses goes to class-validator, which names each problem. So callers
 * keep class-validator's verdict and messages and pay for it only on bad input: a provider's payload at ingest
 * (DataValidators), a record on a topic (readMessage). Their specs hold each marked class to class-validator over
 * examples and systematic mutations. The one cache of compiled classes for the process.
 */
export function compiledCheck(cls: new () => object): CompiledCheck | null {
  let check = compiled.get(cls);
  if (check === undefined) {
    const schema = compiledRuleClasses().has(cls) ? strictDataSchema(cls) : null;
    if (schema && !mentions(schema, 'format')) {
      ajv ??= compiler();
      check = ajv.compile(schema);
    } else check = null;
    compiled.set(cls, check);
  }
  return check;
}

/** Whether the schema uses `keyword` anywhere (a `format` would be a rule Ajv checks its own way). */
function mentions(schema: unknown, keyword: string): boolean {
  if (Array.isArray(schema)) return schema.some((item) => mentions(item, keyword));
  if (typeof schema !== 'object' || schema === null) return false;
  return Object.entries(schema).some(([key, value]) => key === keyword || mentions(value, keyword));
}
