export { readXlsx } from './read-xlsx.ts';
export type { SheetHeaderInfo, XlsxReadOptions } from './read-xlsx.ts';
export { cellText } from './cell-text.ts';
export { oldExcel } from './errors.ts';
