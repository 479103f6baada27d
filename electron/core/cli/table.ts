// A plain text table on stdout: columns padded to their widest cell, the last one left ragged.
import type { CliIo } from './io.ts';

export function writeTable(io: CliIo, rows: string[][]): void {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  for (const r of rows) io.stdout.write(`${r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c]))).join('  ')}\n`);
}
