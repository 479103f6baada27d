// --into SOURCE.xlsx: the run's answers go into a copy of the user's own workbook (--out names the
// copy). Checked before anything runs, and its rows counted against the dataset's before the run is
// created, so a workbook of another size is refused before any call is paid for.
import fs from 'node:fs';
import path from 'node:path';
import { CsvImportError } from '../io/csv/index.ts';
import { readTable } from '../io/read-table.ts';
import { UsageError } from './errors.ts';
import { count } from '../../../shared/plural.ts';

export function checkInto(into: string | undefined, out: string | undefined): string | undefined {
  if (into === undefined) return undefined;
  if (!out) throw new UsageError('--into needs --out FILE.xlsx: the copy of the workbook with the answers added');
  if (path.extname(out).toLowerCase() !== '.xlsx') throw new UsageError(`--into: --out ${out} must end in .xlsx`);
  const full = path.resolve(into);
  if (!fs.existsSync(full)) throw new UsageError(`--into ${into}: no such file`);
  if (!fs.statSync(full).isFile()) throw new UsageError(`--into ${into}: not a file`);
  if (full === out) throw new UsageError(`--into ${into}: --out must name a new file; the workbook itself is never written`);
  return full;
}

/** Refuses a workbook whose data rows differ in number from the dataset's (rows are matched by position). */
export async function checkIntoRows(into: string, items: string, sheet: string | undefined, rowCount: number): Promise<void> {
  if (path.resolve(items) === into) return;
  let rows = 0;
  let sheetName = sheet ?? '';
  try {
    const { info } = await readTable(into, () => {}, (batch) => void (rows += batch.length), sheet !== undefined ? { sheet } : {});
    if ('sheet' in info) sheetName = info.sheet;
    else throw new UsageError(`--into ${into}: not an .xlsx workbook`);
  } catch (err) {
    if (err instanceof CsvImportError) throw new UsageError(`--into ${into}: ${err.message}`);
    throw err;
  }
  if (rows !== rowCount) {
    throw new UsageError(
      `--into ${into}: sheet "${sheetName}" has ${count(rows, 'row')} but the items have ${count(rowCount, 'row')}; answers are matched to rows by position, so give the workbook the items came from`,
    );
  }
}
