// class-transformer exposes its metadata storage only by this path.
import { defaultMetadataStorage } from 'class-transformer/cjs/storage';
import { ValidationTypes, getMetadataStorage } from 'class-validator';
import { validationMetadatasToSchemas } from 'class-validator-jsonschema';
import { allowNull } from './json-schema';
import { isDdMmYyyy, isStringOrInt } from './providers/digitax';
import { NULLABLE_KEY, isAmount, isIntId, isRfc3339Instant } from './validation';

type Schema = Record<string, unknown>;

/**
 * Our own decorators' rules by name — the very functions the decorators call — for a compiled validator's `x-rule`
 * keyword. A rule missing here makes its classes ineligible (strictDataSchema answers null).
 */
export const CUSTOM_RULES: Readonly<Record<string, (value: unknown) => boolean>> = {
  isAmount,
  isIntId,
  isStringOrInt,
  isDdMmYyyy,
  isInstant: isRfc3339Instant,
};

let strict: Map<string, Schema> | null = null;

/**
 * The class-validator DTOs as JSON Schema that loses nothing: custom rules as `x-rule`, ISO 8601 as `x-iso8601`,
 * lengths and patterns as `x-length`, `x-min-length`, `x-max-length` and `x-matches` (checked by class-validator's own
 * functions with the decorator's constraints).
 */
function strictSchemas(): Map<string, Schema> {
  if (strict) return strict;
  const raw = validationMetadatasToSchemas({
    refPointerPrefix: '#/definitions/',
    classTransformerMetadataStorage: defaultMetadataStorage,
    additionalConverters: {
      customValidation: (meta) => ({ 'x-rule': meta.name ?? 'unnamed' }),
      isIso8601: (meta) => ({ type: 'string', 'x-iso8601': (meta.constraints?.[0] as object | undefined) ?? {} }),
      // Lengths and patterns as class-validator counts and matches them (it counts a surrogate pair or a variation
      // selector differently from JSON Schema's code points, and its patterns are not `u` regexes); one keyword each,
      // so a field with two of them keeps both.
      isLength: (meta) => ({ type: 'string', 'x-length': meta.constraints }),
      minLength: (meta) => ({ type: 'string', 'x-min-length': meta.constraints?.[0] as number }),
      maxLength: (meta) => ({ type: 'string', 'x-max-length': meta.constraints?.[0] as number }),
      matches: (meta) => {
        const [pattern, modifiers] = (meta.constraints ?? []) as [RegExp | string, string | undefined];
        const re = typeof pattern === 'string' ? new RegExp(pattern, modifiers) : pattern;
        return { type: 'string', 'x-matches': { source: re.source, flags: re.flags } };
      },
    },
  }) as Record<string, Schema>;
  strict = new Map(Object.entries(raw));
  return strict;
}

/**
 * The JSON Schema of a DTO for a compiled validator that accepts nothing class-validator refuses, or null when the
 * DTO holds a rule no schema states: a condition between fields (`ValidateIf` other than Nullable's), or a custom rule
 * without an entry in CUSTOM_RULES. Nullable properties are required and may be null, as `Nullable` says.
 */
export function strictDataSchema(cls: new () => object): Schema | null {
  const classes = dtoClasses(cls);
  if (![...classes.values()].every(conditionsAreNullables) || namesAreShared(classes)) return null;
  // Classes declared after the schemas were first generated are not in them yet.
  if ([...classes.keys()].some((name) => !strictSchemas().has(name))) strict = null;
  let eligible = true;
  const resolve = (schema: unknown, owner?: new () => object): unknown => {
    if (Array.isArray(schema)) return schema.map((item) => resolve(item));
    if (typeof schema !== 'object' || schema === null) return schema;
    const object = schema as Schema;
    if (typeof object['$ref'] === 'string') {
      const name = object['$ref'].replace('#/definitions/', '');
      const nested = classes.get(name);
      const definition = strictSchemas().get(name);
      if (!nested || !definition) eligible = false;
      return resolve(definition ?? {}, nested);
    }
    const out: Schema = {};
    for (const [key, value] of Object.entries(object)) out[key] = resolve(value);
    if (typeof out['x-rule'] === 'string' && !CUSTOM_RULES[out['x-rule']]) eligible = false;
    if (owner) {
      // Nullable: present, maybe null. IsOptional: absent, or null (class-validator skips both), else checked.
      allowNull(out, (Reflect.getMetadata(NULLABLE_KEY, owner) as Set<string> | undefined) ?? [], { required: true });
      allowNull(out, optionals(owner), { required: false });
    }
    return out;
  };
  const schema = resolve(strictSchemas().get(cls.name) ?? null, cls) as Schema | null;
  return eligible && schema ? { ...schema, type: 'object' } : null;
}

/** The class and every DTO class nested in it (`@ValidateNested` with `@Type(() => Item)`), by name. */
function dtoClasses(cls: new () => object, found = new Map<string, new () => object>()): Map<string, new () => object> {
  if (found.has(cls.name)) return found;
  found.set(cls.name, cls);
  for (const meta of getMetadataStorage().getTargetValidationMetadatas(cls, '', true, false)) {
    if (meta.type !== ValidationTypes.NESTED_VALIDATION) continue;
    const nested = defaultMetadataStorage.findTypeMetadata(cls, meta.propertyName)?.typeFunction();
    if (typeof nested === 'function') dtoClasses(nested as new () => object, found);
  }
  return found;
}

/**
 * Whether another class with rules shares its name with one of these: class-validator-jsonschema merges the
 * rules of classes by name, so their schema would mix both. (It reads class-validator's storage the same way, by its
 * private map of classes; a storage without it gives no compiled form.)
 */
function namesAreShared(classes: Map<string, new () => object>): boolean {
  const storage = getMetadataStorage() as unknown as { validationMetadatas?: unknown };
  if (!(storage.validationMetadatas instanceof Map)) return true;
  for (const target of (storage.validationMetadatas as Map<unknown, unknown>).keys()) {
    if (typeof target !== 'function') continue;
    const own = classes.get(target.name);
    if (own && own !== target) return true;
  }
  return false;
}

/** The class's `IsOptional` properties. */
function optionals(cls: new () => object): string[] {
  return getMetadataStorage()
    .getTargetValidationMetadatas(cls, '', true, false)
    .filter((meta) => meta.type === ValidationTypes.CONDITIONAL_VALIDATION && meta.name === 'isOptional')
    .map((meta) => meta.propertyName);
}

/** Whether every `ValidateIf` of the class is an optional field's or a Nullable one's (nothing between fields). */
function conditionsAreNullables(cls: new () => object): boolean {
  const nullable = (Reflect.getMetadata(NULLABLE_KEY, cls) as Set<string> | undefined) ?? new Set<string>();
  return getMetadataStorage()
    .getTargetValidationMetadatas(cls, '', true, false)
    .filter((meta) => meta.type === ValidationTypes.CONDITIONAL_VALIDATION)
    .every((meta) => meta.name === 'isOptional' || nullable.has(meta.propertyName));
}
