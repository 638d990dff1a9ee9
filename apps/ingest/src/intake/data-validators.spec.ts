import { DIGITAX_EVENTS, DigitaxEnvelope, KAYNKO_EVENTS, KaynkoEnvelope, compiledCheck } from '@gateway/contracts';
import { DIGITAX_EXAMPLES, KAYNKO_EXAMPLES, MUTATION_VALUES, mutants } from '@gateway/testing';
import { DataValidators } from './data-validators';
import { validateAgainst, validateEnvelope } from './validate-dto';

const EXAMPLES: Record<string, { data: Record<string, unknown> }> = {
  ...Object.fromEntries(Object.entries(KAYNKO_EXAMPLES).map(([name, example]) => [`kaynko.${name}`, example])),
  ...Object.fromEntries(Object.entries(DIGITAX_EXAMPLES).map(([name, example]) => [`digitax.${name}`, example])),
};
const SPECS = [
  ...KAYNKO_EVENTS.map((spec) => ({ type: `kaynko.${spec.event}`, cls: spec.dataClass })),
  ...DIGITAX_EVENTS.map((spec) => ({ type: `digitax.${spec.event}`, cls: spec.dataClass })),
];

describe('DataValidators: the compiled provider DTOs against class-validator', () => {
  const validators = new DataValidators();

  it('compiles every DTO a schema can state exactly, and accepts every seed example on the fast path', () => {
    const compiled = SPECS.filter(({ cls }) => compiledCheck(cls)).map(({ type }) => type);
    // sale.sync's id rule spans two fields (digitax_id or id); ping has no fields: class-validator alone decides them.
    expect(compiled).toEqual(
      SPECS.map(({ type }) => type).filter((t) => !['kaynko.ping', 'digitax.sale.sync'].includes(t)),
    );
    for (const type of compiled) {
      const { cls } = SPECS.find((s) => s.type === type)!;
      expect([type, compiledCheck(cls)!(EXAMPLES[type]!.data)]).toEqual([type, true]);
    }
  });

  it('accepts exactly what class-validator accepts, and answers every refusal with its errors', () => {
    let checked = 0;
    for (const { type, cls } of SPECS) {
      const example = EXAMPLES[type];
      if (!example) continue;
      for (const mutant of mutants(example.data)) {
        const data = mutant as Record<string, unknown>;
        const expected = validateAgainst(cls, data, 'data');
        const check = compiledCheck(cls);
        if (check && check(data) !== (expected.length === 0))
          throw new Error(
            `${type}: ${JSON.stringify(data)} compiled=${check(data)} class-validator=${JSON.stringify(expected)}`,
          );
        expect(validators.validate(cls, data, 'data')).toEqual(expected);
        if (check) checked++;
      }
    }
    // Mutants of the compiled types alone (sale.sync's are checked by class-validator itself).
    expect(checked).toBeGreaterThan(3000);
  });

  it('compiles both envelopes, and they too accept exactly what class-validator accepts, with its errors', () => {
    let checked = 0;
    for (const [provider, cls, examples] of [
      ['kaynko', KaynkoEnvelope, KAYNKO_EXAMPLES],
      ['digitax', DigitaxEnvelope, DIGITAX_EXAMPLES],
    ] as const) {
      const check = compiledCheck(cls);
      expect([provider, check !== null]).toEqual([provider, true]);
      for (const example of Object.values(examples)) {
        const body = example as unknown as Record<string, unknown>;
        // The envelope's own fields mutated (its payload's are the data classes' above), and whole-body replacements.
        for (const mutant of [
          ...mutants(body),
          ...MUTATION_VALUES.filter((v) => typeof v === 'object' && v !== null),
        ]) {
          if (Array.isArray(mutant)) continue; // parseJsonObject refuses a non-object body before any validation
          const shallow = mutant as Record<string, unknown>;
          const expected = validateEnvelope(cls, shallow);
          if (check!(shallow) !== (expected.length === 0))
            throw new Error(
              `${provider}: ${JSON.stringify(shallow)} compiled=${check!(shallow)} class-validator=${JSON.stringify(expected)}`,
            );
          expect(validators.envelope(cls, shallow)).toEqual(expected);
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(1000);
  });
});
