export type ExportFormat = 'xlsx' | 'csv' | 'jsonl';

export interface ExportRow {
  /** The CSV's own values, aligned to inputColumns. */
  input: string[];
  /** Output field → value: strings, numbers, booleans, null; objects are written as JSON text (kept as objects in JSONL). */
  output: Record<string, unknown>;
  status: string;
  error: string | null;
  turns: number;
  promptTokens: number;
  completionTokens: number;
  costUsd: number;
  latencyMs: number | null;
}

export interface ExportSource {
  inputColumns: string[];
  outputColumns: string[];
  /** In input order; may be a generator reading the database. */
  rows: Iterable<ExportRow> | AsyncIterable<ExportRow>;
  /** The run's settings and totals, for the xlsx second sheet. */
  settings: Array<[string, string | number | boolean | null]>;
}
