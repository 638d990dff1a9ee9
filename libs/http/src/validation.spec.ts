import { IsInt, IsString, Min } from 'class-validator';
import { ApiError } from './api-error';
import { BodyRules, CheckedBy, createValidationPipe } from './validation';

class WindowRules implements BodyRules<WindowDto> {
  checked: string[] = [];
  check(body: WindowDto, valid: (field: string) => boolean) {
    this.checked = ['from', 'to', 'name'].filter(valid);
    return valid('from') && valid('to') && body.to <= body.from ? [{ field: 'to', reason: 'must be after from' }] : [];
  }
}

@CheckedBy(WindowRules)
class WindowDto {
  @IsString() name: string;
  @IsInt() @Min(0) from: number;
  @IsInt() @Min(0) to: number;
}

class PlainDto {
  @IsString() name: string;
}

describe('validation pipe with @CheckedBy rules', () => {
  const rules = new WindowRules();
  const pipe = createValidationPipe(<T>() => rules as T);
  const body = (value: unknown, metatype: new () => unknown = WindowDto) =>
    pipe.transform(value, { type: 'body', metatype });
  const problems = async (value: unknown) => {
    const err = await body(value).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    return (err as ApiError).details;
  };

  it('answers the decorators and the rules together', async () => {
    expect(await problems({ name: 7, from: 5, to: 1 })).toEqual([
      { field: 'name', reason: 'must be a string' },
      { field: 'to', reason: 'must be after from' },
    ]);
  });

  it('gives the rules only the fields the decorators accepted', async () => {
    expect(await problems({ name: 'x', from: -1, to: 1 })).toEqual([
      { field: 'from', reason: 'must not be less than 0' },
    ]);
    expect(rules.checked).toEqual(['to', 'name']);
  });

  it('returns the DTO when both pass', async () => {
    await expect(body({ name: 'x', from: 1, to: 2 })).resolves.toBeInstanceOf(WindowDto);
  });

  it('does not run the rules on a body that is not an object', async () => {
    rules.checked = [];
    await expect(body([1, 2])).rejects.toBeInstanceOf(ApiError);
    expect(rules.checked).toEqual([]);
  });

  it('refuses to run a DTO declaring rules without a way to find them', async () => {
    const blind = createValidationPipe();
    await expect(blind.transform({ name: 'x', from: 1, to: 2 }, { type: 'body', metatype: WindowDto })).rejects.toThrow(
      /declares @CheckedBy rules/,
    );
    await expect(blind.transform({ name: 'x' }, { type: 'body', metatype: PlainDto })).resolves.toEqual({ name: 'x' });
  });
});
