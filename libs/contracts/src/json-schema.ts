// class-transformer exposes its metadata storage only by this path.
import { defaultMetadataStorage } from 'class-transformer/cjs/storage';
import { validationMetadatasToSchemas } from 'class-validator-jsonschema';
/** A JSON Schema document. */
export type SchemaObject = Record<string, unknown>;
import { EVENT_TYPES } from './event-types';
import { CLASSES_WITH_NULLABLES, NULLABLE_KEY } from './validation';

type Schema = Record<string, unknown>;

/** Our own validators, as JSON Schema. */
const CUSTOM: Record<string, Schema> = {
  isAmount: { type: 'number', minimum: -1e12, maximum: 1e12 },
  isIntId: { type: 'integer', minimum: 0 },
  isStringOrInt: { oneOf: [{ type: 'string', maxLength: 100 }, { type: 'integer' }] },
  isDdMmYyyy: { type: 'string', pattern: '^\\d{2}/\\d{2}/\\d{4}$', description: 'dd/mm/yyyy' },
};

let cache: Map<string, Schema> | null = null;

/** JSON Schemas of every class validated with class-validator, keyed by class name, nested classes inlined. */
function allSchemas(): Map<string, Schema> {
  if (cache) return cache;
  const raw = validationMetadatasToSchemas({
    refPointerPrefix: '#/definitions/',
    // Lets the generator follow @Type(() => Item) into nested objects and arrays.
    classTransformerMetadataStorage: defaultMetadataStorage,
    additionalConverters: {
      customValidation: (meta) => CUSTOM[meta.name ?? ''] ?? {},
      // The default emits oneOf [date, date-time], which both match a timestamp; we mean an ISO 8601 date-time.
      isIso8601: { type: 'string', format: 'date-time' },
    },
  }) as Record<string, Schema>;
  cache = new Map(Object.entries(raw));
  return cache;
}

/** Inlines `$ref`s so each event type's schema stands alone, and marks Nullable properties. */
function resolve(schema: unknown, cls?: new () => object): unknown {
  if (Array.isArray(schema)) return schema.map((item) => resolve(item));
  if (typeof schema !== 'object' || schema === null) return schema;
  const object = schema as Schema;
  if (typeof object['$ref'] === 'string') {
    const name = object['$ref'].replace('#/definitions/', '');
    return resolve(allSchemas().get(name) ?? {}, CLASSES_WITH_NULLABLES.get(name));
  }
  const out: Schema = {};
  for (const [key, value] of Object.entries(object)) out[key] = resolve(value);
  const nullable = cls ? (Reflect.getMetadata(NULLABLE_KEY, cls) as Set<string> | undefined) : undefined;
  // Nullable means present-but-maybe-null: required, and null allowed (the generator reads ValidateIf as optional).
  if (nullable) allowNull(out, nullable, { required: true });
  return out;
}

/** Lets `names` of an object schema be null as well; `required` makes them required too (Nullable's meaning). */
export function allowNull(schema: Schema, names: Iterable<string>, { required }: { required: boolean }): void {
  const properties = schema['properties'] as Schema | undefined;
  if (!properties) return;
  const requiredNames = new Set((schema['required'] as string[] | undefined) ?? []);
  for (const name of names) {
    if (!properties[name]) continue;
    properties[name] = { anyOf: [properties[name], { type: 'null' }] };
    if (required) requiredNames.add(name);
  }
  schema['required'] = [...requiredNames];
}

export interface EventTypeDescription {
  type: string;
  provider: string;
  description: string;
  /** JSON Schema (draft 2020-12 compatible) of `data`; unknown extra properties are allowed. */
  schema: SchemaObject;
}

/** The catalog as partners see it: every type with its description and the JSON Schema of its data. */
export function describeEventTypes(): EventTypeDescription[] {
  return EVENT_TYPES.map((def) => {
    const schema = (resolve(
      allSchemas().get(def.dataClass.name) ?? { type: 'object', properties: {} },
      def.dataClass,
    ) ?? {}) as Schema;
    return {
      type: def.type,
      provider: def.provider,
      description: def.description,
      schema: {
        $schema: 'https://json-schema.org/draft/2020-12/schema',
        title: def.type,
        ...schema,
        type: 'object',
        additionalProperties: true,
      },
    };
  });
}
