import { ApiError } from './api-error';
import { parseJsonObject } from './json-body';

const parse = (text: string) => parseJsonObject(Buffer.from(text, 'utf8'));
const refusal = (text: string) => {
  try {
    parse(text);
  } catch (err) {
    return err instanceof ApiError ? `${err.getStatus()} ${err.code}: ${err.message}` : `unexpected ${String(err)}`;
  }
  return 'accepted';
};

describe('parseJsonObject', () => {
  it.each([
    ['a lone high surrogate', '{"a":"x\\ud800"}', 'unpaired UTF-16 surrogate'],
    ['a lone low surrogate', '{"a":"\\udfffx"}', 'unpaired UTF-16 surrogate'],
    ['a reversed pair', '{"a":"\\ude00\\ud83d"}', 'unpaired UTF-16 surrogate'],
    ['a lone surrogate in a key', '{"\\ud800":1}', 'unpaired UTF-16 surrogate'],
    ['NUL in a value', '{"a":["\\u0000"]}', 'NUL character'],
    ['NUL in a key', '{"a\\u0000":1}', 'NUL character'],
    ['a number beyond a double', '{"a":{"b":1e400}}', 'number too large'],
    ['a negative one', '{"a":-1e309}', 'number too large'],
  ])('refuses %s with 400 invalid_json', (_, text, reason) => {
    expect(refusal(text)).toMatch(new RegExp(`^400 invalid_json: .*${reason}`));
  });

  it.each([
    ['an escaped pair', '{"a":"\\ud83d\\ude00"}', { a: '😀' }],
    ['a raw emoji and Latin-1', '{"a":"😀 é ß"}', { a: '😀 é ß' }],
    ['the largest double', '{"a":1.7976931348623157e308}', { a: Number.MAX_VALUE }],
    ['an underflow to zero', '{"a":1e-400}', { a: 0 }],
    ['escaped controls other than NUL', '{"a":"\\u0001\\t\\n"}', { a: '\u0001\t\n' }],
  ])('accepts %s', (_, text, value) => {
    expect(parse(text)).toEqual(value);
  });
});
