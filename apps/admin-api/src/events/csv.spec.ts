import { csvLine } from './csv';

describe('csvLine', () => {
  it('quotes what needs quoting and doubles quotes', () => {
    expect(csvLine(['a', 'b,c', 'say "hi"', null, 3])).toBe('a,"b,c","say ""hi""",,3\r\n');
    expect(csvLine(['line\nbreak'])).toBe('"line\nbreak"\r\n');
  });

  it('writes numbers as numbers, a negative one included', () => {
    expect(csvLine([-5.5, 0, '-5.5'])).toBe("-5.5,0,'-5.5\r\n");
  });

  it('defuses spreadsheet formulas', () => {
    expect(csvLine(['=HYPERLINK("http://x")', '+1', '-2', '@SUM(A1)'])).toBe(
      `"'=HYPERLINK(""http://x"")",'+1,'-2,'@SUM(A1)\r\n`,
    );
  });
});
