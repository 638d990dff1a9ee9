import type { Type } from '@nestjs/common';
import type { OpenAPIObject } from '@nestjs/swagger';
import type { ReferenceObject, SchemaObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
// class-transformer exposes its metadata storage only by this path (it lets the generator follow @Type).
import { defaultMetadataStorage } from 'class-transformer/cjs/storage';
import { targetConstructorToSchema, validationMetadatasToSchemas } from 'class-validator-jsonschema';

/** The controller method behind an operation. */
export interface Handler {
  controller: Type<unknown>;
  method: string;
}

/** The keywords of a validation rule that the request schemas state too. */
const CONSTRAINTS = [
  'minLength',
  'maxLength',
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'minItems',
  'maxItems',
  'uniqueItems',
  'pattern',
  'format',
] as const;

type Rule = Record<string, unknown> & { type?: string; items?: Rule; properties?: Record<string, Rule> };

/**
 * What the validation pipe refuses, said in the request schemas too: the lengths, ranges, sizes, integers and uuids of
 * the DTOs' class-validator decorators (read by class-validator-jsonschema), added to the schemas @nestjs/swagger makes
 * from their @ApiProperty — bodies by their component, queries by their parameters — and no property beyond the
 * declared ones in a body. A generated client, a linter
 * and a fuzzer then know what is refused before sending it, and the decorators stay the one place the rules are
 * written. (Rules no schema can state — a URL's address, a type in the catalog, a window's order — stay in prose.)
 */
export function declareConstraints(
  document: OpenAPIObject,
  handlerOf: (operationId: string | undefined) => Handler,
): void {
  const options = { classTransformerMetadataStorage: defaultMetadataStorage };
  const schemas = document.components?.schemas ?? {};
  const closeBody = (name: string, rule: Rule) => {
    const schema = schemas[name];
    if (!schema || '$ref' in schema) return;
    mergeProperties(schema, rule);
    // The pipe refuses a property the class does not declare (400 naming it).
    schema.additionalProperties ??= false;
  };
  // Every class with rules of its own (nested ones too, e.g. a source's Qerko config), by its component's name.
  for (const [name, rule] of Object.entries(validationMetadatasToSchemas(options) as Record<string, Rule>))
    closeBody(name, rule);

  for (const item of Object.values(document.paths)) {
    for (const operation of [item.get, item.post, item.put, item.patch, item.delete]) {
      if (!operation) continue;
      const { controller, method } = handlerOf(operation.operationId);
      const types = (Reflect.getMetadata('design:paramtypes', controller.prototype as object, method) ??
        []) as unknown[];
      // The handler's DTO classes, inherited rules included (UpdateTenantDto extends CreateTenantDto).
      const rules: Record<string, Rule> = {};
      for (const type of types) {
        if (typeof type !== 'function' || [String, Number, Boolean, Object].includes(type as StringConstructor))
          continue;
        const rule = targetConstructorToSchema(type, options) as Rule;
        closeBody(type.name, rule);
        Object.assign(rules, rule.properties);
      }
      for (const parameter of operation.parameters ?? [])
        if ('in' in parameter && parameter.in === 'query' && parameter.schema)
          merge(parameter.schema, rules[parameter.name]);
    }
  }
}

function mergeProperties(schema: SchemaObject, rule: Rule): void {
  for (const [name, property] of Object.entries(schema.properties ?? {})) merge(property, rule.properties?.[name]);
}

function merge(schema: SchemaObject | ReferenceObject, rule: Rule | undefined): void {
  if (!rule || '$ref' in schema) return;
  const target = schema as Record<string, unknown>;
  for (const keyword of CONSTRAINTS) if (rule[keyword] !== undefined) target[keyword] ??= rule[keyword];
  if (rule.type === 'integer' && schema.type === 'number') schema.type = 'integer';
  if (rule.items && schema.items) merge(schema.items, rule.items);
}
