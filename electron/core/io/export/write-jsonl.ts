import { jsonValue } from './safe-cell.ts';
import { writeTextRows } from './atomic.ts';
import type { TableSource } from './types.ts';

/** One JSON object per line, keyed by the same column names as the other formats, in that order. */
export async function writeJsonl(source: TableSource, path: string): Promise<number> {
  // Keys are written as text, so a column named "__proto__" is an ordinary key.
  const keys = source.columns.map((c) => JSON.stringify(c) + ':');
  return writeTextRows(source, path, '', (values) => {
    let line = '{';
    for (let i = 0; i < values.length; i++) line += (i ? ',' : '') + keys[i] + jsonValue(values[i]);
    return line + '}\n';
  });
}
