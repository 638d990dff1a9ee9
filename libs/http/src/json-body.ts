import secureJson from 'secure-json-parse';
import { ApiError } from './api-error';
import { checkString } from './storable';
import { MAX_BODY_DEPTH as MAX_DEPTH } from './validation';
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Keys no provider payload legitimately uses, which break or poison object handling downstream. */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor']);

/**
 * Parses a provider's raw body defensively: strict UTF-8, bounded nesting (checked before parsing, so a deeply
 * nested body cannot exhaust the stack), `__proto__` and `constructor` keys dropped at every depth (a `constructor`
 * property makes class-based validation misbehave; `__proto__` is the pollution vector), and an object at the top.
 */
export function parseJsonObject(raw: Buffer): Record<string, unknown> {
  let text: string;
  try {
    text = utf8.decode(raw);
  } catch {
    throw ApiError.badRequest('invalid_json', 'The request body is not valid UTF-8.');
  }
  if (nestingDepth(text) > MAX_DEPTH) {
    throw ApiError.badRequest('invalid_json', `The request body is nested deeper than ${MAX_DEPTH} levels.`);
  }
  let parsed: unknown;
  try {
    parsed = secureJson.parse(text, undefined, { protoAction: 'remove', constructorAction: 'remove' });
  } catch {
    throw ApiError.badRequest('invalid_json', 'The request body is not valid JSON.');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw ApiError.badRequest('invalid_json', 'The request body must be a JSON object.');
  }
  scrub(parsed);
  return parsed as Record<string, unknown>;
}

/**
 * Walks the parsed body once: drops forbidden keys, and refuses what the event could not be stored or sent as —
 * NUL characters and lone surrogates (`\ud800`), which PostgreSQL's `jsonb` and `text` refuse, and numbers beyond
 * the range of a double (`1e400`), which would silently become `null`. Such a body would be accepted and then lost.
 */
function scrub(value: unknown): void {
  if (typeof value === 'string') return checkString(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value))
      throw ApiError.badRequest('invalid_json', 'The request body contains a number too large to represent.');
    return;
  }
  if (typeof value !== 'object' || value === null) return;
  if (Array.isArray(value)) {
    value.forEach(scrub);
    return;
  }
  for (const key of Object.keys(value)) {
    if (FORBIDDEN_KEYS.has(key)) {
      delete (value as Record<string, unknown>)[key];
      continue;
    }
    checkString(key);
    scrub((value as Record<string, unknown>)[key]);
  }
}

/** Deepest bracket nesting outside strings. */
function nestingDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92)
        i++; // backslash: skip the escaped character
      else if (c === 34) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 123 || c === 91) {
      if (++depth > max) max = depth;
    } else if (c === 125 || c === 93) depth--;
  }
  return max;
}
