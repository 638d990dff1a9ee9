/**
 * One CSV line (RFC 4180): fields with commas, quotes or line breaks are quoted, quotes doubled. Cells that a
 * spreadsheet would run as a formula (=, +, -, @, tab, CR at the start) are prefixed with an apostrophe: event data
 * comes from providers and must not execute in a merchant's Excel. Numbers (a credit note's -5) are written as they are.
 */
export function csvLine(fields: Array<string | number | null>): string {
  return (
    fields
      .map((field) => {
        if (typeof field === 'number') return String(field);
        let text = field ?? '';
        if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
        return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
      })
      .join(',') + '\r\n'
  );
}
