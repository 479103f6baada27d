import { exportColumns, rowValues } from './columns.ts';
import { jsonValue } from './safe-cell.ts';
import { TextFile } from './atomic.ts';
import type { ExportSource } from './types.ts';

/** One JSON object per line, keyed by the same column names as the other formats, in that order. */
export async function writeJsonl(source: ExportSource, path: string): Promise<number> {
  // Keys are written as text, so a column named "__proto__" is an ordinary key.
  const keys = exportColumns(source.inputColumns, source.outputColumns).map((c) => JSON.stringify(c) + ':');
  const out = await TextFile.create(path);
  let rows = 0;
  try {
    for await (const row of source.rows) {
      const values = rowValues(row, source.inputColumns.length, source.outputColumns);
      let line = '{';
      for (let i = 0; i < values.length; i++) line += (i ? ',' : '') + keys[i] + jsonValue(values[i]);
      await out.write(line + '}\n');
      rows++;
    }
  } catch (err) {
    await out.close(true);
    throw err;
  }
  await out.close();
  return rows;
}
