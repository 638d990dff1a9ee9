import { IsInt, IsString, getMetadataStorage, validateSync } from 'class-validator';
import {
  CanonicalEventV1Message,
  ConfigChangeV1Message,
  DIGITAX_EVENTS,
  DigitaxEnvelope,
  KAYNKO_EVENTS,
  KaynkoEnvelope,
  QerkoReplyV1Message,
  compiledCheck,
  compiledRuleClasses,
  readCanonicalEvent,
  readConfigChange,
  readQerkoReply,
} from '@gateway/contracts';
import { MUTATION_VALUES, mutants } from '@gateway/testing';
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

/** class-validator's verdict on a record, as readMessage asks it when the compiled check refuses. */
function classValidatorAccepts(cls: new () => object, json: Record<string, unknown>): boolean {
  const message = new cls() as Record<string, unknown>;
  for (const { propertyName } of getMetadataStorage().getTargetValidationMetadatas(cls, '', true, false))
    message[propertyName] = json[propertyName];
  return validateSync(message, { forbidUnknownValues: false }).length === 0;
}

/** The values a topic's messages meet at their rules' boundaries, on top of the provider DTOs'. */
const VALUES = [
  ...MUTATION_VALUES,
  'canonical-event.v1',
  'canonical-event.v2',
  'config-change.v1',
  'evt_0123456789',
  'evt_012345678',
  `evt_${'a'.repeat(40)}`,
  `evt_${'a'.repeat(41)}`,
  'evt_01234567-89',
  'kaynko.sale.completed',
  'Kaynko.sale.completed',
  'kaynko',
  'qerko.bill.get',
  'kaynko.',
  'acme',
  'gateway',
  'upserted',
  'deleted',
  'endpoint',
  'api-key',
  '2026-06-11T14:30:00Z',
  '2026-06-11T14:30:00.123456Z',
  '20260611T143000Z',
];

const CASES: Array<{ cls: new () => object; example: Record<string, unknown> }> = [
  { cls: CanonicalEventV1Message, example: { ...event, occurredAt: '2026-11-23T09:59:00Z' } },
  { cls: ConfigChangeV1Message, example: change },
];

describe('the compiled contracts of the topics: the verdict class-validator gives, every record', () => {
  it.each(CASES)('compiles $cls.name and accepts a valid one', ({ cls, example }) => {
    expect(compiledCheck(cls)?.(example)).toBe(true);
  });

  it.each(CASES)('accepts exactly what class-validator accepts for $cls.name', ({ cls, example }) => {
    const check = compiledCheck(cls)!;
    const read = contractReader(cls);
    let checked = 0;
    let refused = 0;
    for (const mutant of mutants(example, VALUES)) {
      const json = mutant as Record<string, unknown>;
      const expected = classValidatorAccepts(cls, json);
      if (check(json) !== expected)
        throw new Error(`${JSON.stringify(json)} compiled=${check(json)} class-validator=${expected}`);
      // What a consumer gets is the same either way: the record as sent, or class-validator's reason.
      const result = read(Buffer.from(JSON.stringify(json)));
      expect(typeof result === 'object').toBe(expected);
      checked++;
      if (!expected) refused++;
    }
    expect(checked).toBeGreaterThan(300);
    expect(refused).toBeGreaterThan(100);
  });

  it('compiles only classes these specs and data-validators.spec.ts hold to class-validator', () => {
    const providerClasses = [...KAYNKO_EVENTS, ...DIGITAX_EVENTS].map((spec) => spec.dataClass);
    const held = new Set<object>([...providerClasses, KaynkoEnvelope, DigitaxEnvelope, ...CASES.map((c) => c.cls)]);
    expect(
      [...compiledRuleClasses()].filter((cls) => !held.has(cls)).map((cls) => (cls as { name: string }).name),
    ).toEqual([]);
  });

  it('leaves the Qerko reply to class-validator (its answer rule has no schema)', () => {
    expect(compiledCheck(QerkoReplyV1Message)).toBeNull();
  });
});
