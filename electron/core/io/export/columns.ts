import { roundUsd } from '../../../../shared/money.ts';
import type { ExportRow } from './types.ts';

/**
 * Columns after the input and output columns, in this order. `_cached`: true when no call of the row
 * reached the endpoint (every answer came from the response cache); `_cached_tokens`: prompt tokens the
 * provider billed at its cached-input rate.
 */
export const META_COLUMNS = ['_status', '_error', '_turns', '_prompt_tokens', '_completion_tokens', '_cached_tokens', '_cost_usd', '_latency_ms', '_cached'] as const;

/**
 * The export's header: the input columns in their order, one column per output field, then the
 * META_COLUMNS. An output column whose name is taken (by an input column or a meta column) becomes
 * "<name>_output" (then "_output_2", …); a meta column taken by an input column gets "_2", "_3", ….
 */
export function exportColumns(inputColumns: string[], outputColumns: string[]): string[] {
  const taken = new Set<string>(inputColumns);
  const reserved = new Set<string>(META_COLUMNS);
  const outputs = outputColumns.map((name) => {
    let final = name;
    if (taken.has(final) || reserved.has(final)) {
      final = `${name}_output`;
      for (let k = 2; taken.has(final) || reserved.has(final); k++) final = `${name}_output_${k}`;
    }
    taken.add(final);
    return final;
  });
  const meta = META_COLUMNS.map((name) => {
    let final: string = name;
    for (let k = 2; taken.has(final); k++) final = `${name}_${k}`;
    taken.add(final);
    return final;
  });
  return [...inputColumns, ...outputs, ...meta];
}

/** One row's values aligned to exportColumns(inputColumns, outputColumns), not yet made safe. */
export function rowValues(row: ExportRow, inputCount: number, outputColumns: string[]): unknown[] {
  const values: unknown[] = new Array(inputCount + outputColumns.length + META_COLUMNS.length);
  let k = 0;
  for (let i = 0; i < inputCount; i++) values[k++] = row.input[i] ?? null;
  const output: Record<string, unknown> = row.output ?? {};
  for (const name of outputColumns) values[k++] = Object.hasOwn(output, name) ? output[name] : null;
  values[k++] = row.status;
  values[k++] = row.error;
  values[k++] = row.turns;
  values[k++] = row.promptTokens;
  values[k++] = row.completionTokens;
  values[k++] = row.cachedTokens ?? 0;
  // Whole micro-dollars: a sum of float dollars would print as 0.000022349999999999998.
  values[k++] = roundUsd(row.costUsd);
  values[k++] = row.latencyMs;
  values[k++] = row.cached === true;
  return values;
}
