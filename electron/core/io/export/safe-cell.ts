/** Excel refuses (or repairs away) cells longer than this many characters. */
export const XLSX_MAX_CELL_CHARS = 32_767;

/** Objects and arrays as JSON text; anything JSON cannot hold as its string form. */
export function jsonText(value: object): string {
  try {
    return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)) ?? String(value);
  } catch {
    return String(value);
  }
}

/**
 * A value for an xlsx cell. Only strings, finite numbers, booleans and null are ever passed to the
 * writer, so no value (an object with a `formula` key, say) can become a formula, rich text or a
 * hyperlink: strings are always written as text cells, whatever their first character. Line
 * breaks become LF, which is what a cell holds (XML would turn a CR into LF when read anyway).
 * Characters XML 1.0 cannot hold (C0 controls other than tab and LF, U+FFFE, U+FFFF) become
 * U+FFFD: written as they are, they would make the whole workbook unreadable.
 */
export function xlsxCell(value: unknown): { value: string | number | boolean | null; truncated: boolean } {
  switch (typeof value) {
    case 'string':
      return clip(value);
    case 'number':
      return Number.isFinite(value) ? { value, truncated: false } : { value: String(value), truncated: false };
    case 'boolean':
      return { value, truncated: false };
    case 'bigint':
      return { value: value.toString(), truncated: false };
    case 'undefined':
      return { value: null, truncated: false };
    case 'object':
      return value === null ? { value: null, truncated: false } : clip(jsonText(value));
    default:
      return clip(String(value));
  }
}

/** Not allowed in an XML 1.0 document (CR is handled apart, as a line break). */
const NOT_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/;
const NOT_XML_ALL = new RegExp(NOT_XML.source, 'g');

function clip(text: string): { value: string; truncated: boolean } {
  if (text.includes('\r')) text = text.replace(/\r\n?/g, '\n');
  if (NOT_XML.test(text)) text = text.replace(NOT_XML_ALL, '\uFFFD');
  if (text.length <= XLSX_MAX_CELL_CHARS) return { value: text, truncated: false };
  const marker = `… [truncated: ${text.length.toLocaleString('en-US')} characters]`;
  let cut = XLSX_MAX_CELL_CHARS - marker.length;
  // Do not split a surrogate pair.
  if (cut > 0 && text.charCodeAt(cut - 1) >= 0xd800 && text.charCodeAt(cut - 1) <= 0xdbff) cut--;
  return { value: text.slice(0, cut) + marker, truncated: true };
}

/** Characters that make a spreadsheet app read a CSV cell as a formula. */
const FORMULA_START = /^[=+\-@\t\r]/;
/** A plain number ("-1", "+2.5", "-3e4") starts with + or - but cannot be a formula. */
const PLAIN_NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

/**
 * Text for a CSV cell. A string that starts with =, +, -, @, tab or CR gets a leading single quote
 * so spreadsheet apps show it as text instead of evaluating it (OWASP's guidance against CSV
 * injection). Numbers, booleans and plain numeric strings such as "-1" are left alone.
 */
export function csvText(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return guard(value);
    case 'number':
    case 'bigint':
      return String(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'undefined':
      return '';
    case 'object':
      return value === null ? '' : guard(jsonText(value));
    default:
      return guard(String(value));
  }
}

function guard(text: string): string {
  return FORMULA_START.test(text) && !PLAIN_NUMBER.test(text) ? `'${text}` : text;
}

/** RFC 4180: a field with a comma, a quote or a line break is quoted, its quotes doubled. */
export function csvQuote(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** A value for a JSON line: JSON types are kept, anything else becomes a string or null. */
export function jsonValue(value: unknown): string {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return JSON.stringify(value);
    case 'number':
      return Number.isFinite(value) ? String(value) : JSON.stringify(String(value));
    case 'bigint':
      return JSON.stringify(value.toString());
    case 'undefined':
      return 'null';
    case 'object':
      return value === null ? 'null' : jsonText(value);
    default:
      return JSON.stringify(String(value));
  }
}
