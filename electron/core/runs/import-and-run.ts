// A run that starts while its file is read (`rowrunner run ITEMS.csv`): the run is created with the
// first batch of rows and its worker started at once; each later batch adds its items in the
// transaction that stores the rows, and the worker is told after the commit. The first request then
// goes out about as soon as for a small file, however large this one (a million rows: bench/million.ts),
// instead of after the whole import.
//
// If the reading stops early (a stop asked for, a problem found in the file, the process dying), the
// run keeps the rows read until then and the dataset says where reading stopped, in its notes: what
// was sent and paid for is kept, and the run can be resumed over those rows. A problem found before
// the first batch was stored leaves nothing behind, as an import does.
import path from 'node:path';
import type { DatasetSummary, RaggedPolicy } from '../../../shared/contract.ts';
import { count } from '../../../shared/plural.ts';
import { CallError } from '../errors.ts';
import { getDataset } from '../store/datasets.ts';
import type { Db } from '../store/db.ts';
import { insertItemsFromRows } from '../store/items.ts';
import { setItemCount } from '../store/runs.ts';
import { checkRunParams, insertRunWithItems, type CheckedRun } from './create-run.ts';
import type { Datasets } from './datasets.ts';
import type { CreateRunParams, RunInfo, StartOptions } from './service.ts';
import type { Supervisor } from './supervisor.ts';

export interface ImportAndRunParams {
  file: string;
  /** A workbook's sheet by name; default its first. */
  sheet?: string;
  ragged?: RaggedPolicy;
  /** The run, as createRun takes it (every row of the file: no limit). */
  run: Omit<CreateRunParams, 'datasetId' | 'limit'>;
  start: StartOptions;
  /** Asked after each batch of rows: true stops the reading (the run keeps the rows read). */
  stopRequested?: () => boolean;
}

export interface ImportingRun {
  /**
   * The run, running with its first rows; null if a stop came before any row was stored. Rejects
   * with the file's problem, or the run's (its agent, its options), found before: nothing is kept.
   */
  started: Promise<RunInfo | null>;
  /**
   * Once the reading is over: the dataset, and how many rows were read if a stop cut it short.
   * Rejects with a problem found after the run started: the run is then cancelled (resumable over the
   * rows read before the problem, which the dataset's notes name).
   */
  imported: Promise<{ dataset: DatasetSummary; stoppedAt?: number }>;
}

/** A file with a header and no rows: there is nothing to run, and nothing is kept. */
export class NoRowsError extends CallError {
  constructor(file: string) {
    super('bad-input', `${file} has a header but no rows: zero items, nothing to run.`);
  }
}

/** Thrown from the import's callbacks to end the reading at a stop. */
class Stopped extends Error {}

export interface ImportAndRunContext {
  db: Db;
  datasets: Datasets;
  workers: Supervisor;
  /** Starts the run's session (its rows still being read) and says how the run stands. */
  launch(runId: number, start: StartOptions): RunInfo;
}

export function importAndRun(c: ImportAndRunContext, p: ImportAndRunParams): ImportingRun {
  if (p.run.options?.mode === 'batch') throw new CallError('bad-request', 'A run in batch mode sends its requests in files: import its rows first, then create it.', ['options.mode']);
  const name = path.basename(p.file);
  let run: CheckedRun | undefined;
  let made: number | undefined; // created in the transaction of the first batch…
  let runId: number | undefined; // …and known to exist once that transaction committed
  let launched = false;
  let stored = 0;
  let datasetOf: number | undefined;
  let settle!: { resolve(r: RunInfo | null): void; reject(e: unknown): void };
  const started = new Promise<RunInfo | null>((resolve, reject) => (settle = { resolve, reject }));
  const tell = (final: boolean): void => {
    if (runId !== undefined && c.workers.isActive(runId)) void c.workers.post(runId, { type: 'items-added', final });
  };

  const reading = c.datasets.importDataset(p.file, {
    ...(p.sheet !== undefined ? { sheet: p.sheet } : {}),
    ...(p.ragged ? { ragged: p.ragged } : {}),
    withRows(datasetId, from, to) {
      if (made === undefined) {
        if (p.stopRequested?.()) throw new Stopped();
        datasetOf = datasetId;
        // The header is stored before the first rows: the prompt's columns are checked against it.
        const dataset = getDataset(c.db, datasetId)!;
        const params = { ...p.run, datasetId: String(datasetId) };
        run = checkRunParams(dataset, params);
        made = insertRunWithItems(c.db, dataset, params, run, to);
        return;
      }
      insertItemsFromRows(c.db, made, datasetId, to, run!.prompt, from);
      setItemCount(c.db, made, to);
    },
    onProgress(rows) {
      stored = rows;
      runId = made;
      if (!launched) {
        const info = c.launch(runId!, p.start);
        launched = true;
        settle.resolve(info);
      } else tell(false);
      if (p.stopRequested?.()) throw new Stopped();
    },
    keepRead: (err, rows) => (runId === undefined ? null : [readStoppedNote(name, rows, whyStopped(err))]),
  });

  const imported = reading.then(
    (dataset) => {
      if (runId === undefined) {
        c.datasets.deleteDataset(dataset.id);
        throw new NoRowsError(name);
      }
      tell(true);
      return { dataset };
    },
    async (err: unknown) => {
      if (!launched) throw err;
      tell(true);
      if (err instanceof Stopped) return { dataset: c.datasets.datasetSummary(String(datasetOf)), stoppedAt: stored };
      // A problem in the file after the run started: the run stops there, keeping what it did.
      if (c.workers.isActive(runId!)) await c.workers.post(runId!, { type: 'cancel' });
      throw err;
    },
  );
  // Before the run started, the reading's end settles `started` too.
  imported.then(
    () => undefined,
    (err: unknown) => {
      if (launched) return;
      if (err instanceof Stopped) settle.resolve(null);
      else settle.reject(err);
    },
  );
  return { started, imported };
}

/** The dataset's note when the reading stopped before the end of the file (also written by recovery, liveness.ts). */
export function readStoppedNote(file: string, rows: number, why: string): string {
  return `Reading ${file} stopped after ${count(rows, 'row')} (${why}): the rest of the file is not in this dataset, nor in its run.`;
}

function whyStopped(err: unknown): string {
  return err instanceof Stopped ? 'the run was stopped' : err instanceof Error ? err.message : String(err);
}
