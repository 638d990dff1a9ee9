import type { OpenAPIObject } from '@nestjs/swagger';
import type { ReferenceObject, SchemaObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';

/**
 * A request field with a default is optional, but openapi-typescript (with its default `defaultNonNullable`) types
 * every component property that declares a `default` as required — so a partner's generated client would have to
 * send `enabled`, `format`, `timeoutMs`… The request bodies' schemas therefore state their defaults in words
 * ("Default: `true`.") instead of `default`. Response schemas keep theirs (none declare one today).
 */
export function describeRequestDefaults(document: OpenAPIObject): void {
  const schemas = document.components?.schemas ?? {};
  const requestSchemas = new Set<string>();
  for (const item of Object.values(document.paths)) {
    for (const operation of [item.post, item.put, item.patch]) {
      const body = operation?.requestBody as { content?: Record<string, { schema?: ReferenceObject }> } | undefined;
      for (const media of Object.values(body?.content ?? {})) collectRefs(media.schema, schemas, requestSchemas);
    }
  }
  for (const name of requestSchemas) {
    const properties = (schemas[name] as SchemaObject).properties ?? {};
    for (const property of Object.values(properties) as SchemaObject[]) {
      if (!('default' in property)) continue;
      const stated = `Default: \`${JSON.stringify(property.default)}\`.`;
      property.description = property.description ? `${property.description} ${stated}` : stated;
      delete property.default;
    }
  }
}

/** The component schemas `schema` uses, itself and nested, by name. */
function collectRefs(
  schema: SchemaObject | ReferenceObject | undefined,
  schemas: Record<string, SchemaObject | ReferenceObject>,
  into: Set<string>,
): void {
  if (!schema) return;
  if ('$ref' in schema) {
    const name = schema.$ref.replace('#/components/schemas/', '');
    if (into.has(name)) return;
    into.add(name);
    collectRefs(schemas[name], schemas, into);
    return;
  }
  for (const nested of [
    ...Object.values(schema.properties ?? {}),
    schema.items,
    ...(schema.allOf ?? []),
    ...(schema.oneOf ?? []),
    ...(schema.anyOf ?? []),
    typeof schema.additionalProperties === 'object' ? schema.additionalProperties : undefined,
  ])
    collectRefs(nested, schemas, into);
}
