// Which runs a comparison holds, checked: two or more distinct runs that exist and cover the same
// rows (the same dataset, or datasets with the same columns and row count, matched by position).
import { badInput, notFound } from '../errors.ts';
import { parseId } from '../runs/parse.ts';
import { outputColumnsOf } from '../runs/views.ts';
import type { DatasetRecord } from '../store/datasets.ts';
import type { Db } from '../store/db.ts';
import { getRun, type RunRecord } from '../store/runs.ts';

export interface ComparedRunRecord {
  run: RunRecord;
  dataset: DatasetRecord;
  outputColumns: string[];
}

export interface ComparedRuns {
  runs: ComparedRunRecord[];
  inputColumns: string[];
  /** The rows compared: the runs' items, 0 … rows − 1. */
  rows: number;
  /** What "the outputs differ" is decided on: the output columns every run has, else none (whole outputs). */
  comparedColumns: string[];
}

export function comparedRuns(db: Db, runIds: readonly string[], datasetOf: (id: number) => DatasetRecord): ComparedRuns {
  const distinct = [...new Set(runIds.map((id) => id.trim()))];
  if (distinct.length < 2) {
    throw badInput(`A comparison needs two runs or more; got ${distinct.length === 0 ? 'none' : `only run ${distinct[0]}`}.`);
  }
  const runs = distinct.map((id): ComparedRunRecord => {
    const run = getRun(db, parseId('run', id));
    if (!run) throw notFound(`No run with id "${id}".`);
    return { run, dataset: datasetOf(run.datasetId), outputColumns: outputColumnsOf(run.agent) };
  });
  const [first] = runs;
  for (const other of runs.slice(1)) checkSameRows(first, other);
  const comparedColumns = first.outputColumns.filter((c) => runs.every((r) => r.outputColumns.includes(c)));
  return { runs, inputColumns: first.dataset.columns, rows: first.run.itemCount, comparedColumns };
}

/** Runs over different rows cannot be compared: says which two and why. */
function checkSameRows(a: ComparedRunRecord, b: ComparedRunRecord): void {
  const pair = `Runs ${a.run.id} and ${b.run.id} cover different rows`;
  if (a.run.itemCount !== b.run.itemCount) {
    throw badInput(`${pair}: run ${a.run.id} has ${a.run.itemCount} rows, run ${b.run.id} has ${b.run.itemCount}.`);
  }
  if (a.dataset.id === b.dataset.id) return;
  if (a.dataset.rowCount !== b.dataset.rowCount) {
    throw badInput(
      `${pair}: their datasets differ in length ("${a.dataset.name}" has ${a.dataset.rowCount} rows, "${b.dataset.name}" has ${b.dataset.rowCount}).`,
    );
  }
  if (JSON.stringify(a.dataset.columns) !== JSON.stringify(b.dataset.columns)) {
    throw badInput(
      `${pair}: their datasets have different columns ("${a.dataset.name}": ${a.dataset.columns.join(', ')}; "${b.dataset.name}": ${b.dataset.columns.join(', ')}).`,
    );
  }
}
