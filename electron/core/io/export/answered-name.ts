// The name of a workbook's copy with the answers added, and a free path for it beside the original.
import { existsSync } from 'node:fs';
import path from 'node:path';

/** "book.xlsx" → "book (answers).xlsx". */
export function answeredName(name: string): string {
  const base = path.basename(name, path.extname(name)) || 'workbook';
  return `${base.replace(/[\\/:*?"<>|\u0000-\u001f]+/g, '_').slice(0, 120)} (answers).xlsx`;
}

/** The path, or "name (2).xlsx", "name (3).xlsx"… when it is taken: the user's files are never overwritten. */
export function freePath(p: string): string {
  const ext = path.extname(p);
  const stem = p.slice(0, p.length - ext.length);
  let candidate = p;
  for (let n = 2; existsSync(candidate); n++) candidate = `${stem} (${n})${ext}`;
  return candidate;
}
