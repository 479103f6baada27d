// A comparison as a table for the export writers: the input columns, then each run's output columns
// named "{column}@{runId}", then _differs; settings name each run and its totals.
import type { TableSource } from '../io/export/index.ts';
import type { Db } from '../store/db.ts';
import { comparedRows } from './compared-rows.ts';
import type { ComparedRuns } from './compared-runs.ts';
import { comparedRunOf } from './summary.ts';

export const DIFFERS_COLUMN = '_differs';

/** The header; a name already taken (an input column called "answer@3", say) gets "_2", "_3", …. */
export function comparisonColumns(c: ComparedRuns): string[] {
  const taken = new Set<string>();
  const unique = (name: string): string => {
    let final = name;
    for (let k = 2; taken.has(final); k++) final = `${name}_${k}`;
    taken.add(final);
    return final;
  };
  return [
    ...c.inputColumns.map(unique),
    ...c.runs.flatMap((r) => r.outputColumns.map((col) => unique(`${col}@${r.run.id}`))),
    unique(DIFFERS_COLUMN),
  ];
}

export function comparisonTable(db: Db, c: ComparedRuns): TableSource {
  const inputCount = c.inputColumns.length;
  function* rows(): Generator<unknown[]> {
    for (const row of comparedRows(db, c)) {
      const values: unknown[] = [];
      for (let i = 0; i < inputCount; i++) values.push(row.input[i] ?? null);
      c.runs.forEach((r, k) => {
        const output = row.cells[k].output ?? {};
        for (const col of r.outputColumns) values.push(Object.hasOwn(output, col) ? output[col] : null);
      });
      values.push(row.differs);
      yield values;
    }
  }
  const settings: TableSource['settings'] = [['Rows', c.rows]];
  for (const r of c.runs) {
    const t = comparedRunOf(db, r);
    const at = `@${t.runId}`;
    settings.push(
      [`Run${at}`, t.name],
      [`Model${at}`, t.model],
      [`Done${at}`, t.totals.done],
      [`Failed${at}`, t.totals.failed],
      [`Cost USD${at}`, t.totals.costUsd],
      [`Tokens${at}`, t.totals.promptTokens + t.totals.completionTokens],
      [`Median latency ms${at}`, t.totals.medianLatencyMs],
    );
  }
  return { columns: comparisonColumns(c), rows: rows(), settings };
}
