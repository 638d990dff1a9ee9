import SwaggerParser from '@apidevtools/swagger-parser';
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import { OpenAPIRouter } from 'openapi-backend/router';
import type { OpenAPIV3 } from 'openapi-types';
import { isRfc3339Instant } from '@gateway/contracts';

/**
 * The admin API's answers, checked against the OpenAPI document it serves (`/docs-json`) as a partner's generated
 * client reads it: the answer's operation found by openapi-backend's router, its status one that operation documents,
 * in a media type documented for it, with the headers it requires, and the body valid against that status's schema
 * (Ajv, compiled from the document). A field the schema does not declare fails too: a generated client cannot see it.
 * A request that matches no operation (a wrong method, an unknown path) must get an error in the one error shape.
 * `call()` checks every answer of an admin API that `GatewayProcesses` started.
 *
 * (openapi-backend's own `validateResponse` does this too, but its entry point loads an ES-module ref parser, which
 * jest's module loader refuses before Node 24.9; its router does not.)
 */

/** An answer as the test received it. */
export interface ReceivedAnswer {
  method: string;
  url: string;
  status: number;
  headers: Headers | Record<string, string>;
  /** Parsed JSON (null for an empty body), or the text when it is not JSON. */
  body: unknown;
}

type Response = OpenAPIV3.ResponseObject & { headers?: Record<string, OpenAPIV3.HeaderObject> };

interface Contract {
  router: OpenAPIRouter<OpenAPIV3.Document>;
  /** Compiled on first use, under `key`; `coerce` for header values, which are text (Retry-After: "3" is 3). */
  validator(key: string, schema: object, coerce?: boolean): ValidateFunction;
  errorShape: object;
}

const adminOrigins = new Set<string>();
/** Compiled once per served document (per test file: jest gives each its own module registry). */
const compiled = new Map<string, Promise<Contract>>();
const byOrigin = new Map<string, Promise<Contract>>();

/** Marks `url`'s origin as an admin API: `call()` checks its answers from now on. */
export function registerAdminApi(url: string): void {
  adminOrigins.add(new URL(url).origin);
}

/** Whether `url` is an operation of a registered admin API (its `/v1/` routes; not the console, docs or health). */
export function isAdminApiCall(url: string): boolean {
  const { origin, pathname } = new URL(url);
  return adminOrigins.has(origin) && pathname.startsWith('/v1/');
}

/** Throws, naming every problem, when the answer is not one the admin API's document says it can give. */
export async function expectAnswerInSpec(answer: ReceivedAnswer): Promise<void> {
  const broken = await howAnswerBreaksSpec(answer);
  if (broken) throw new Error(broken);
}

/** What is wrong with the answer (null when nothing): for answers a test collects, e.g. a browser's. */
export async function howAnswerBreaksSpec(answer: ReceivedAnswer): Promise<string | null> {
  const problems = answerProblems(await contractOf(new URL(answer.url).origin), answer);
  if (!problems.length) return null;
  const { pathname } = new URL(answer.url);
  return `${answer.method} ${pathname} answered ${answer.status}, which breaks the OpenAPI document:\n  ${problems.join('\n  ')}`;
}

function answerProblems(contract: Contract, answer: ReceivedAnswer): string[] {
  const url = new URL(answer.url);
  const headers = headersOf(answer.headers);
  const operation = contract.router.matchOperation({
    method: answer.method,
    path: url.pathname,
    query: url.search.slice(1),
    headers,
  });
  if (!operation) {
    // No operation of that method and path: an error, in the one shape.
    if (answer.status < 400) return [`no operation has this method and path, yet the answer is ${answer.status}`];
    return schemaErrors(contract.validator('error shape', contract.errorShape), answer.body, 'the error shape: body');
  }
  const name = `operation ${operation.operationId}`;
  const documented = operation.responses[String(answer.status)] as Response | undefined;
  if (!documented) {
    const listed = Object.keys(operation.responses).join(', ');
    return [`${name} does not document ${answer.status} (it documents ${listed})`];
  }
  const problems: string[] = [];
  const mediaType = (headers['content-type'] ?? '').split(';')[0]!.trim();
  const mediaTypes = Object.keys(documented.content ?? {});
  if (mediaTypes.length ? !mediaTypes.includes(mediaType) : answer.body !== null)
    problems.push(`${name} documents ${mediaTypes.join(', ') || 'no body'} for ${answer.status}, not "${mediaType}"`);
  const schema = documented.content?.['application/json']?.schema;
  if (schema && mediaType === 'application/json') {
    const validate = contract.validator(`${operation.operationId} ${answer.status}`, schema);
    problems.push(...schemaErrors(validate, answer.body, 'body'));
  }
  for (const [header, declared] of Object.entries(documented.headers ?? {})) {
    const value = headers[header.toLowerCase()];
    if (value === undefined) {
      if (declared.required) problems.push(`the ${header} header it requires is missing`);
      continue;
    }
    const validate = contract.validator(
      `${operation.operationId} ${answer.status} ${header}`,
      { type: 'object', properties: { value: declared.schema ?? {} } },
      true,
    );
    problems.push(...schemaErrors(validate, { value }, `header ${header}`));
  }
  return problems;
}

function contractOf(origin: string): Promise<Contract> {
  let contract = byOrigin.get(origin);
  if (!contract) {
    contract = (async () => {
      const res = await fetch(`${origin}/docs-json`);
      if (!res.ok) throw new Error(`${origin}/docs-json answered ${res.status}`);
      const text = await res.text();
      let compiling = compiled.get(text);
      if (!compiling) compiled.set(text, (compiling = compile(JSON.parse(text) as OpenAPIV3.Document)));
      return compiling;
    })();
    contract.catch(() => byOrigin.delete(origin));
    byOrigin.set(origin, contract);
  }
  return contract;
}

async function compile(served: OpenAPIV3.Document): Promise<Contract> {
  const document = (await SwaggerParser.dereference(normalized(served) as never)) as OpenAPIV3.Document;
  const errorShape = document.components?.schemas?.['ErrorResponse'];
  if (!errorShape) throw new Error('the OpenAPI document has no ErrorResponse schema');
  // Bodies are JSON, never coerced; header values are text, coerced to their schema's type.
  const [json, text] = [false, true].map((coerceTypes) =>
    new Ajv({ strict: false, allErrors: true, coerceTypes }).addFormat('date-time', {
      type: 'string',
      validate: (value: string) => isRfc3339Instant(value),
    }),
  ) as [Ajv, Ajv];
  const validators = new Map<string, ValidateFunction>();
  return {
    router: new OpenAPIRouter({ definition: document }),
    errorShape,
    validator(key, schema, coerce = false) {
      let validate = validators.get(key);
      if (!validate) validators.set(key, (validate = (coerce ? text : json).compile(schema)));
      return validate;
    },
  };
}

/**
 * The document as this check reads it, schema by schema:
 * - every object schema that lists its properties is closed to others (`additionalProperties: false`), for this
 *   check only: the served document leaves them open, so that a field added later does not break partners' clients
 *   that validate strictly;
 * - `nullable: true` beside `allOf`/`$ref` admits null, as generated clients (openapi-typescript: `T | null`) and
 *   Schemathesis read it (JSON Schema alone would still apply the referenced object's `type` to null).
 */
function normalized<T>(node: T): T {
  if (Array.isArray(node)) return node.map(normalized) as T;
  if (!node || typeof node !== 'object') return node;
  const schema: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) schema[key] = key === 'example' ? value : normalized(value);
  if (schema['properties'] && typeof schema['properties'] === 'object' && !('additionalProperties' in schema))
    schema['additionalProperties'] = false;
  if (schema['nullable'] === true && (schema['allOf'] || schema['$ref'])) {
    const { nullable: _, description, ...rest } = schema;
    return { ...(description ? { description } : {}), anyOf: [rest, { type: 'null' }] } as T;
  }
  return schema as T;
}

function schemaErrors(validate: ValidateFunction, value: unknown, what: string): string[] {
  if (validate(value)) return [];
  return (validate.errors ?? []).map((e: ErrorObject) => {
    const extra = 'additionalProperty' in e.params ? ` (${String(e.params['additionalProperty'])})` : '';
    return `${what}${e.instancePath} ${e.message ?? e.keyword}${extra}`;
  });
}

function headersOf(headers: Headers | Record<string, string>): Record<string, string> {
  if (headers instanceof Headers) return Object.fromEntries(headers.entries());
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
}
