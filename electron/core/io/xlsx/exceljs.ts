// exceljs is large (some 200 modules and 10 MB of heap): it is loaded on first use, so a command or a
// screen that never reads or writes a workbook does not wait for it or hold it.
import type ExcelJS from 'exceljs';

export async function loadExcelJs(): Promise<typeof ExcelJS> {
  return (await import('exceljs')).default;
}
