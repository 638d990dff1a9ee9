import { IsInt, IsString } from 'class-validator';
import {
  CanonicalEventV1Message,
  ConfigChangeV1Message,
  QerkoReplyV1Message,
  readCanonicalEvent,
  readConfigChange,
  readQerkoReply,
} from '@gateway/contracts';
import { contractReader } from './contract-reader';

const record = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value));

const event = {
  schema: 'canonical-event.v1',
  id: 'evt_0123456789abcdef',
  type: 'kaynko.sale.completed',
  provider: 'kaynko',
  sourceId: 'src_1',
  tenantId: 'ten_1',
  receivedAt: '2026-11-23T10:00:00.000Z',
  occurredAt: null,
  data: { sale: { id: 's1' } },
};
const change = {
  schema: 'config-change.v1',
  entity: 'endpoint',
  id: 'ep_1',
  tenantId: 'ten_1',
  op: 'upserted',
  at: '2026-11-23T10:00:00.000Z',
};
const reply = {
  schema: 'qerko-reply.v1',
  tenantId: 'ten_1',
  uuid: '3b8f3a52-9a8e-4c54-9c2a-2f4f1a7f0c11',
  answer: { result: { id: 'B-17' } },
  at: '2026-12-03T10:00:00.000Z',
};

/** Valid records, and records broken in each way a reader tells apart (each field, and the whole value). */
function variants(valid: Record<string, unknown>): Array<Buffer | null> {
  const broken = Object.keys(valid).flatMap((field) => {
    const { [field]: _, ...without } = valid;
    return [record(without), record({ ...valid, [field]: 12 }), record({ ...valid, [field]: { nested: true } })];
  });
  return [
    record(valid),
    record({ ...valid, extra: 'kept as sent' }),
    null,
    Buffer.alloc(0),
    record('{"schema":'),
    record([valid]),
    record('null'),
    record(`{"__proto__":{},${JSON.stringify({ ...valid, tenantId: 7 }).slice(1)}`),
    ...broken,
  ];
}

describe('contractReader (a record read against a contract class, before a handler runs)', () => {
  it.each([
    ['canonical-event.v1', CanonicalEventV1Message, readCanonicalEvent, event],
    ['config-change.v1', ConfigChangeV1Message, readConfigChange, change],
    ['qerko-reply.v1', QerkoReplyV1Message, readQerkoReply, reply],
  ] as const)(
    'reads %s exactly as the contract’s own reader: the same messages, the same reasons',
    (_, contract, ownReader, valid) => {
      const read = contractReader<object>(contract);
      const cases = variants(valid);
      const answers = cases.map((value) => read(value));
      expect(answers).toEqual(cases.map((value) => ownReader(value)));
      // The cases do exercise both outcomes, with reasons that name the schema.
      expect(answers.slice(0, 2)).toEqual([valid, { ...valid, extra: 'kept as sent' }]);
      expect(answers.filter((a) => typeof a === 'string' && a.startsWith(`not a ${_}:`)).length).toBeGreaterThan(5);
    },
  );

  it('names a contract without a single schema value by its class', () => {
    class PingMessage {
      @IsString()
      name!: string;

      @IsInt()
      n!: number;
    }
    const read = contractReader(PingMessage);
    expect(read(record({ name: 'a', n: 1, more: true }))).toEqual({ name: 'a', n: 1, more: true });
    expect(read(record({ name: 'a', n: 'one' }))).toBe('not a PingMessage: n n must be an integer number');
  });

  it('refuses a class that validates nothing (every record would pass)', () => {
    class Anything {}
    expect(() => contractReader(Anything)).toThrow('Anything validates no field');
  });
});
