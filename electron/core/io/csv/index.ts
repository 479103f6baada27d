export { readCsv, previewCsv, DEFAULT_MAX_COLUMNS, DEFAULT_MAX_FIELD_BYTES } from './read-csv.ts';
export type { CsvReadOptions, CsvHeaderInfo } from './read-csv.ts';
export type { RaggedPolicy } from '../../../../shared/contract.ts';
export { CsvImportError } from './errors.ts';
export type { CsvErrorCode } from './errors.ts';
export type { CsvEncoding } from './detect-encoding.ts';
export type { CsvDelimiter } from './detect-delimiter.ts';
