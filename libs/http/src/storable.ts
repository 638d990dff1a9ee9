import { ApiError } from './api-error';

/** A UTF-16 surrogate not part of a pair (with the `u` flag, a pair is one code point and does not match). */
const LONE_SURROGATE = /\p{Cs}/u;

/**
 * Refuses (400 `invalid_json`) a string from a request body that PostgreSQL could not store as it is: a NUL
 * character (refused by `text` and `jsonb`), or a lone UTF-16 surrogate (refused by `jsonb`; not a character).
 */
export function checkString(text: string): void {
  if (text.includes('\0'))
    throw ApiError.badRequest(
      'invalid_json',
      'The request body contains a NUL character (\\u0000), which cannot be stored.',
    );
  if (LONE_SURROGATE.test(text))
    throw ApiError.badRequest(
      'invalid_json',
      'The request body contains an unpaired UTF-16 surrogate escape (such as \\ud800), which is not a character.',
    );
}
