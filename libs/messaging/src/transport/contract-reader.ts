import { getMetadataStorage } from 'class-validator';
import { readMessage } from '@gateway/contracts';

/** A class-validator class that a topic's records must satisfy (e.g. `CanonicalEventV1Message`). */
export type ContractClass<T extends object = object> = new () => T;

/** A record's value as the contract's message, or why it is not one (the dead letter's reason). */
export type ContractReader<T extends object> = (value: Buffer | null) => T | string;

/**
 * Reads records against a contract class exactly as the contracts' own readers do (`readCanonicalEvent`,
 * `readQerkoReply`, …): through `readMessage`, copying only the fields the class validates, and naming the message by
 * the one value its `schema` field allows (`not a canonical-event.v1: …`), or by the class name when it has none.
 * The fields are read from class-validator's metadata once, when the handler is registered.
 */
export function contractReader<T extends object>(contract: ContractClass<T>): ContractReader<T> {
  const metadata = getMetadataStorage().getTargetValidationMetadatas(contract, '', true, false);
  const fields = [...new Set(metadata.map((m) => m.propertyName))] as Array<keyof T & string>;
  if (!fields.length) throw new Error(`${contract.name} validates no field: it cannot be a record's contract`);
  const schema = metadata.find((m) => m.propertyName === 'schema' && m.name === 'isIn');
  const allowed = schema?.constraints?.[0] as unknown;
  const name = Array.isArray(allowed) && allowed.length === 1 ? String(allowed[0]) : contract.name;
  return (value) => readMessage(value, contract, fields, name);
}
