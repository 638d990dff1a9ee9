import sift, { createEqualsOperation } from 'sift';
import type { CanonicalEventV1 } from './canonical-event';
import type { FieldError } from './errors';

/**
 * An endpoint's payload filter: MongoDB's query language over the canonical event, limited to what a subscription
 * needs. Keys are dotted paths into the event (`data.total`, `type`, `data.items.0.sku`) or the logical operators
 * `$and`, `$or` (arrays of filters) and `$not` (a filter); a path's condition is a value (equality) or an object of
 * operators: `$eq $ne $gt $gte $lt $lte $in $nin $exists $startsWith`, and `$not` over such an object.
 * Evaluation is sift's (MongoDB's semantics: a path through an array matches if any element does).
 */
export type EndpointFilter = Record<string, object | string | number | boolean | null>;

/**
 * At most this deep (each `$and`, `$or` or `$not` is a level), this many conditions in all, and this long as JSON (so
 * that no `$in` list makes one tenant's matching slow for everyone).
 */
export const FILTER_LIMITS = { depth: 5, conditions: 50, jsonLength: 8192 } as const;

/** The canonical event's fields, where every path (a filter's, an ordering key's) starts. */
export const EVENT_FIELDS = ['id', 'type', 'provider', 'sourceId', 'tenantId', 'receivedAt', 'occurredAt', 'data'];

type Scalar = string | number | boolean | null;
const isScalar = (v: unknown): v is Scalar =>
  v === null || typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v));
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** What each field operator takes, as a check and the words of its error. */
const OPERANDS: Record<string, [check: (v: unknown) => boolean, takes: string]> = {
  $eq: [isScalar, 'a string, number, boolean or null'],
  $ne: [isScalar, 'a string, number, boolean or null'],
  $gt: [(v) => typeof v === 'number' || typeof v === 'string', 'a number or a string'],
  $gte: [(v) => typeof v === 'number' || typeof v === 'string', 'a number or a string'],
  $lt: [(v) => typeof v === 'number' || typeof v === 'string', 'a number or a string'],
  $lte: [(v) => typeof v === 'number' || typeof v === 'string', 'a number or a string'],
  $in: [
    (v) => Array.isArray(v) && v.length > 0 && v.every(isScalar),
    'a non-empty array of strings, numbers, booleans or null',
  ],
  $nin: [
    (v) => Array.isArray(v) && v.length > 0 && v.every(isScalar),
    'a non-empty array of strings, numbers, booleans or null',
  ],
  $exists: [(v) => typeof v === 'boolean', 'true or false'],
  $startsWith: [(v) => typeof v === 'string' && v.length > 0, 'a non-empty string'],
};
const FIELD_OPERATORS = [...Object.keys(OPERANDS), '$not'];

/** `filter["data.total"].$gte`: where in the request body a problem is. */
const at = (path: string, key: string) =>
  /^[A-Za-z_$][\w$]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;

/**
 * The problems of a filter as the request gives it (`field` paths start at `root`), or none: unknown operators and
 * fields, operands of the wrong type, more than 5 levels, 50 conditions or 8,192 characters of JSON.
 */
export function endpointFilterProblems(filter: unknown, root = 'filter'): FieldError[] {
  const problems: FieldError[] = [];
  let conditions = 0;

  const filterAt = (node: unknown, path: string, depth: number): void => {
    if (!isObject(node)) {
      problems.push({ field: path, reason: 'must be an object of conditions, e.g. {"data.total": {"$gte": 100}}' });
      return;
    }
    if (depth > FILTER_LIMITS.depth) {
      problems.push({ field: path, reason: `nests deeper than ${FILTER_LIMITS.depth} levels` });
      return;
    }
    for (const [key, value] of Object.entries(node)) {
      const here = at(path, key);
      if (key === '$and' || key === '$or') {
        if (!Array.isArray(value) || !value.length) {
          problems.push({ field: here, reason: 'must be a non-empty array of filters' });
          continue;
        }
        value.forEach((item, i) => filterAt(item, `${here}[${i}]`, depth + 1));
      } else if (key === '$not') {
        filterAt(value, here, depth + 1);
      } else if (key.startsWith('$')) {
        problems.push({
          field: here,
          reason: 'is not an operator here: the top level takes paths and $and, $or, $not',
        });
      } else if (pathProblem(key)) {
        problems.push({ field: here, reason: pathProblem(key)! });
      } else {
        conditionAt(value, here, depth);
      }
    }
  };

  const conditionAt = (value: unknown, path: string, depth: number): void => {
    if (isScalar(value)) {
      conditions++;
      return;
    }
    if (!isObject(value) || !Object.keys(value).length) {
      problems.push({ field: path, reason: 'must be a string, number, boolean or null, or an object of operators' });
      return;
    }
    const keys = Object.keys(value);
    if (!keys.some((k) => k.startsWith('$'))) {
      problems.push({ field: path, reason: 'is an object: reach inside with a dotted path, e.g. "data.total": 100' });
      return;
    }
    if (!keys.every((k) => k.startsWith('$'))) {
      problems.push({ field: path, reason: 'mixes operators and fields: an object of operators, e.g. {"$gte": 100}' });
      return;
    }
    for (const op of keys) {
      const here = at(path, op);
      if (op === '$not') {
        if (depth + 1 > FILTER_LIMITS.depth)
          problems.push({ field: here, reason: `nests deeper than ${FILTER_LIMITS.depth} levels` });
        else if (!isObject(value[op]) || !Object.keys(value[op] as object).every((k) => k.startsWith('$')))
          problems.push({ field: here, reason: 'must be an object of operators, e.g. {"$in": ["cash"]}' });
        else conditionAt(value[op], here, depth + 1);
        continue;
      }
      const operand = OPERANDS[op];
      if (!operand) {
        problems.push({ field: here, reason: `is not an operator; use one of ${FIELD_OPERATORS.join(' ')}` });
        continue;
      }
      if (!operand[0](value[op])) problems.push({ field: here, reason: `takes ${operand[1]}` });
      conditions++;
    }
  };

  filterAt(filter, root, 1);
  if (conditions > FILTER_LIMITS.conditions) {
    problems.push({ field: root, reason: `has ${conditions} conditions; at most ${FILTER_LIMITS.conditions}` });
  }
  const length = JSON.stringify(filter)?.length ?? 0;
  if (length > FILTER_LIMITS.jsonLength) {
    problems.push({ field: root, reason: `is ${length} characters of JSON; at most ${FILTER_LIMITS.jsonLength}` });
  }
  return problems;
}

function pathProblem(path: string): string | null {
  const segments = path.split('.');
  if (segments.some((s) => !s.length || s.startsWith('$'))) {
    return 'is not a path: dot-separated names, none empty or starting with $';
  }
  if (!EVENT_FIELDS.includes(segments[0]!)) {
    return `starts with no field of the event: use one of ${EVENT_FIELDS.join(', ')} (the payload is under data)`;
  }
  return null;
}

/** `$startsWith`: the value is a string that starts with the operand. */
const startsWith = (prefix: string, owner: unknown, options: never) =>
  createEqualsOperation((value: unknown) => typeof value === 'string' && value.startsWith(prefix), owner, options);

/**
 * The filter as a test of events, built once per endpoint version. Call it only with a filter that has no
 * `endpointFilterProblems`. A top-level `$not` is MongoDB's `$nor` of one filter.
 */
export function compileEndpointFilter(filter: EndpointFilter): (event: CanonicalEventV1) => boolean {
  return sift(toSift(filter) as never, { operations: { $startsWith: startsWith as never } });
}

function toSift(filter: EndpointFilter): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(filter)) {
    if (key === '$and' || key === '$or') out[key] = (value as EndpointFilter[]).map(toSift);
    else if (key === '$not') out['$nor'] = [toSift(value as EndpointFilter)];
    else out[key] = value;
  }
  return out;
}
