// Datasets for the runs service: a CSV or a workbook's sheet streamed into SQLite (visible only once complete), summaries
// and pages of rows. Ready datasets are cached: they never change.
import path from 'node:path';
import type { DatasetSummary } from '../../../shared/contract.ts';
import { conflict, notFound } from '../errors.ts';
import { readTable } from '../io/read-table.ts';
import {
  beginDataset,
  datasetRowsPage,
  deleteDataset,
  finishDataset,
  getDataset,
  insertDatasetRows,
  listDatasets,
  setDatasetHeader,
  type DatasetRecord,
} from '../store/datasets.ts';
import type { Db } from '../store/db.ts';
import { parseId } from './parse.ts';
import type { ImportOptions } from './service.ts';
import { writing } from './write-errors.ts';

export interface Datasets {
  importDataset(file: string, options?: ImportOptions): Promise<DatasetSummary>;
  listDatasets(): DatasetSummary[];
  datasetSummary(datasetId: string): DatasetSummary;
  datasetRows(datasetId: string, offset: number, limit: number): string[][];
  /** Refuses (conflict) while a run uses the dataset. */
  deleteDataset(datasetId: string): void;
  /** The record by store id (not-found if none). */
  datasetOf(id: number): DatasetRecord;
  /** Whether this service is importing it now (its rows are not stale). */
  isImporting(id: number): boolean;
}

export function datasetSummaryOf(d: DatasetRecord): DatasetSummary {
  return {
    id: String(d.id),
    name: d.name,
    columns: d.columns,
    rowCount: d.rowCount,
    delimiter: d.delimiter,
    encoding: d.encoding,
    notes: d.notes,
    createdAt: new Date(d.createdAt).toISOString(),
  };
}

export function createDatasets(db: Db, dbPath: string): Datasets {
  const cache = new Map<number, DatasetRecord>();
  const importing = new Set<number>();

  const datasetOf = (id: number): DatasetRecord => {
    let d = cache.get(id);
    if (!d) {
      d = getDataset(db, id);
      if (!d) throw notFound(`No dataset with id "${id}".`);
      if (d.state === 'ready') cache.set(id, d);
    }
    return d;
  };

  return {
    datasetOf,
    isImporting: (id) => importing.has(id),

    async importDataset(file, o = {}) {
      const source = path.resolve(file);
      const id = writing(dbPath, `import ${path.basename(source)}`, () => beginDataset(db, { name: o.name?.trim() || path.basename(source), sourcePath: source }));
      importing.add(id);
      let stored = 0;
      // A workbook's sheet read and the sheets it has, for the import's answer (not stored).
      let sheetOf: { sheet: string; sheets: string[] } | null = null;
      try {
        const { info } = await readTable(
          source,
          (header) => setDatasetHeader(db, id, header),
          (rows) => {
            // Each batch is its own short transaction, so a run writing meanwhile is never held up
            // for the whole file; the dataset stays invisible until finishDataset.
            const from = stored;
            db.transaction(() => {
              insertDatasetRows(db, id, from, rows);
              o.withRows?.(id, from, from + rows.length);
            }).immediate();
            stored += rows.length;
            o.onProgress?.(stored);
          },
          { ...(o.ragged ? { ragged: o.ragged } : {}), ...(o.sheet !== undefined ? { sheet: o.sheet } : {}) },
        );
        if ('sheet' in info) sheetOf = { sheet: info.sheet, sheets: info.sheets };
        db.transaction(() => {
          setDatasetHeader(db, id, info);
          finishDataset(db, id, stored, info.notes);
        }).immediate();
      } catch (err) {
        const keep = stored > 0 ? (o.keepRead?.(err, stored) ?? null) : null;
        try {
          if (keep) db.transaction(() => finishDataset(db, id, stored, [...(getDataset(db, id)?.notes ?? []), ...keep])).immediate();
          else deleteDataset(db, id);
        } catch {
          // recoverInterrupted deals with it at the next open
        }
        throw err;
      } finally {
        importing.delete(id);
      }
      // No checkpoint here: copying a large import's WAL into the file (a million rows: about 80 MB)
      // would delay the run that usually follows, and a checkpoint that truncates holds off every
      // writer while it copies (a run's worker among them). The run's worker checkpoints on its own
      // thread as it goes (run-worker.ts), and the last connection to close does too.
      return { ...datasetSummaryOf(datasetOf(id)), ...sheetOf };
    },

    listDatasets: () => listDatasets(db).map(datasetSummaryOf),

    datasetSummary(datasetId) {
      const d = datasetOf(parseId('dataset', datasetId));
      if (d.state !== 'ready') throw notFound(`Dataset ${datasetId} is still importing.`);
      return datasetSummaryOf(d);
    },

    datasetRows(datasetId, offset, limit) {
      const d = datasetOf(parseId('dataset', datasetId));
      return datasetRowsPage(db, d.id, Math.max(0, offset), Math.max(0, Math.min(limit, 5000)));
    },

    deleteDataset(datasetId) {
      const d = datasetOf(parseId('dataset', datasetId));
      try {
        deleteDataset(db, d.id);
      } catch (err) {
        if (/FOREIGN KEY/.test(String(err))) throw conflict(`Dataset "${d.name}" is used by a run; delete its runs first.`);
        throw err;
      }
      cache.delete(d.id);
    },
  };
}
