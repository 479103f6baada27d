import { exportColumns, rowValues } from './columns.ts';
import { csvQuote, csvText } from './safe-cell.ts';
import { TextFile } from './atomic.ts';
import type { ExportSource } from './types.ts';

/** UTF-8 with a BOM (so Excel reads the encoding right), CRLF line ends, RFC 4180 quoting. */
export async function writeCsv(source: ExportSource, path: string): Promise<number> {
  const columns = exportColumns(source.inputColumns, source.outputColumns);
  const out = await TextFile.create(path);
  let rows = 0;
  try {
    await out.write('\uFEFF' + columns.map((c) => csvQuote(csvText(c))).join(',') + '\r\n');
    for await (const row of source.rows) {
      const values = rowValues(row, source.inputColumns.length, source.outputColumns);
      let line = '';
      for (let i = 0; i < values.length; i++) line += (i ? ',' : '') + csvQuote(csvText(values[i]));
      await out.write(line + '\r\n');
      rows++;
    }
  } catch (err) {
    await out.close(true);
    throw err;
  }
  await out.close();
  return rows;
}
