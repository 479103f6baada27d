import { csvQuote, csvText } from './safe-cell.ts';
import { writeTextRows } from './atomic.ts';
import type { TableSource } from './types.ts';

/** UTF-8 with a BOM (so Excel reads the encoding right), CRLF line ends, RFC 4180 quoting. */
export async function writeCsv(source: TableSource, path: string): Promise<number> {
  const columns = source.columns;
  const header = '\uFEFF' + columns.map((c) => csvQuote(csvText(c))).join(',') + '\r\n';
  return writeTextRows(source, path, header, (values) => {
    let line = '';
    for (let i = 0; i < values.length; i++) line += (i ? ',' : '') + csvQuote(csvText(values[i]));
    return line + '\r\n';
  });
}
