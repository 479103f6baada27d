// A cell's value as the sheet shows it, as text: numbers to Excel's 15 significant digits, dates in
// ISO form, a formula as its cached result, rich text as its plain text, an error as its code.
import type { CellValue } from 'exceljs';

export function cellText(value: CellValue | undefined, numFmt?: string): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return numFmt && isDateFormat(numFmt) ? isoDate(serialToDate(value)) : numberText(value);
  if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE';
  if (value instanceof Date) return isoDate(value);
  if ('richText' in value) return value.richText.map((r) => r.text).join('');
  if ('error' in value) return value.error;
  if ('formula' in value || 'sharedFormula' in value) return cellText(value.result as CellValue | undefined, numFmt);
  if ('text' in value) return typeof value.text === 'string' ? value.text : cellText(value.text as CellValue, numFmt);
  return '';
}

/** What Excel's General format shows: at most 15 significant digits, so 0.1+0.2 reads 0.3. */
export function numberText(n: number): string {
  // A formula's cached error reaches the streaming reader as NaN: the sheet shows no number there.
  if (!Number.isFinite(n)) return Number.isNaN(n) ? '' : String(n);
  return String(Number(n.toPrecision(15)));
}

/** A date with no time of day as YYYY-MM-DD; otherwise YYYY-MM-DDTHH:MM:SS (a sheet's dates have no zone). */
export function isoDate(d: Date): string {
  if (Number.isNaN(d.getTime())) return '';
  const iso = d.toISOString();
  if (iso.endsWith('T00:00:00.000Z')) return iso.slice(0, 10);
  return iso.endsWith('.000Z') ? iso.slice(0, 19) : iso.slice(0, 23);
}

/** Excel's 1900 date system: day 25569 is 1970-01-01 (serials before March 1900 are not dates in practice). */
function serialToDate(serial: number): Date {
  return new Date(Math.round((serial - 25569) * 86_400_000));
}

/** A number format that shows a date or a time: d, m, y, h or s outside quotes, brackets and escapes. */
export function isDateFormat(fmt: string): boolean {
  const bare = fmt.replace(/"[^"]*"|\[[^\]]*\]|\\./g, '');
  if (/general/i.test(bare)) return false;
  return /[dmyhs]/i.test(bare);
}
