import { IsLowercase, IsString, validateSync } from 'class-validator';
import { compiledCheck } from './compiled-check';
import { CompiledRules } from './validation';

describe('compiledCheck: which classes compile', () => {
  it('compiles a class marked CompiledRules', () => {
    @CompiledRules()
    class MarkedMessage {
      @IsString() name: string;
    }
    const check = compiledCheck(MarkedMessage)!;
    expect([check({ name: 'a' }), check({ name: 1 }), check({})]).toEqual([true, false, false]);
  });

  it('leaves an unmarked class to class-validator, whose decorators the schema may not state exactly', () => {
    // class-validator-jsonschema states IsLowercase as a plain string: compiled, "ABC" would pass.
    class LowercaseName {
      @IsString() @IsLowercase() name: string;
    }
    expect(compiledCheck(LowercaseName)).toBeNull();
    expect(validateSync(Object.assign(new LowercaseName(), { name: 'ABC' }))).toHaveLength(1);
  });

  it('does not compile a class that shares its name with another class with rules (their schemas would merge)', () => {
    const first = (() => {
      class SharedName {
        @IsString() name: string;
      }
      return SharedName;
    })();
    const second = (() => {
      @CompiledRules()
      class SharedName {
        @IsLowercase() other: string;
      }
      return SharedName;
    })();
    expect(first.name).toBe(second.name);
    expect(compiledCheck(second)).toBeNull();
  });

  it('compiles a class declared after the first schemas were generated', () => {
    @CompiledRules()
    class EarlyMessage {
      @IsString() name: string;
    }
    expect(compiledCheck(EarlyMessage)).not.toBeNull();
    @CompiledRules()
    class LateMessage {
      @IsString() late: string;
    }
    const check = compiledCheck(LateMessage)!;
    expect([check({ late: 'x' }), check({})]).toEqual([true, false]);
  });
});
