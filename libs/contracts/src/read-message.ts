import { validateSync } from 'class-validator';
import { compiledCheck } from './compiled-check';

/**
 * Reads a Kafka record's value as the message its topic carries: the parsed JSON (extra fields kept as sent), or why
 * it is not one, naming the fields that break the rules. Every consumer reads through this, so a record that is not
 * the message is refused the same way everywhere (and dead-lettered with this reason).
 *
 * A record that passes the class's compiled check (compiledCheck: its rules as a schema compiled once) is returned as
 * it is; only one that fails it, or whose class has none, meets class-validator, which names what is wrong. So every
 * consumer pays a few microseconds per valid record instead of class-validator's tens.
 *
 * Only the named `fields` are copied onto an instance of the validation class, which is all class-validator needs: no
 * deep copy of nested values (class-transformer's plainToInstance walks every one), and a `__proto__` key in the
 * record cannot swap the class, and with it the rules, for another.
 */
export function readMessage<T extends object>(
  value: Buffer | null,
  MessageClass: new () => T,
  fields: ReadonlyArray<keyof T & string>,
  schema: string,
): T | string {
  if (!value || value.length === 0) return 'empty record';
  let json: unknown;
  try {
    json = JSON.parse(value.toString('utf8'));
  } catch {
    return 'not valid JSON';
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return 'not a JSON object';
  if (compiledCheck(MessageClass)?.(json)) return json as T;
  const message = new MessageClass() as Record<string, unknown>;
  for (const field of fields) message[field] = (json as Record<string, unknown>)[field];
  const errors = validateSync(message, { forbidUnknownValues: false });
  if (errors.length) {
    const why = errors.map((e) => `${e.property} ${Object.values(e.constraints ?? {}).join(', ') || 'invalid'}`);
    return `not a ${schema}: ${why.join('; ')}`;
  }
  return json as T;
}
