import type { ExportFormat, ItemRow } from '../../../../shared/contract.ts';
import type { OutputValues } from '../../../../shared/domain.ts';

export type { ExportFormat };

/**
 * An item as an export writes it: the contract's row without its index, with its output values
 * (strings, numbers, booleans, null; objects are written as JSON text, kept as objects in JSONL).
 */
export type ExportRow = Omit<ItemRow, 'index' | 'output'> & {
  output: OutputValues;
  /** Every call of the row was answered from the response cache (none reached the endpoint). */
  cached?: boolean;
};

export interface ExportSource {
  inputColumns: string[];
  outputColumns: string[];
  /** In input order; may be a generator reading the database. */
  rows: Iterable<ExportRow> | AsyncIterable<ExportRow>;
  /** The run's settings and totals, for the xlsx second sheet. */
  settings: Array<[string, string | number | boolean | null]>;
}
