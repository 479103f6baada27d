import { exportColumns } from './columns.ts';
import { jsonValue } from './safe-cell.ts';
import { writeTextRows } from './atomic.ts';
import type { ExportSource } from './types.ts';

/** One JSON object per line, keyed by the same column names as the other formats, in that order. */
export async function writeJsonl(source: ExportSource, path: string): Promise<number> {
  // Keys are written as text, so a column named "__proto__" is an ordinary key.
  const keys = exportColumns(source.inputColumns, source.outputColumns).map((c) => JSON.stringify(c) + ':');
  return writeTextRows(source, path, '', (values) => {
    let line = '{';
    for (let i = 0; i < values.length; i++) line += (i ? ',' : '') + keys[i] + jsonValue(values[i]);
    return line + '}\n';
  });
}
