// Runs side by side: a comparison's summary, its pages (all rows or only those whose outputs differ)
// and its export, each read from the store as asked, never held whole.
import type { ComparePage, ComparePageRequest, Comparison } from '../../../shared/compare.ts';
import type { ExportFormat } from '../io/export/index.ts';
import type { DatasetRecord } from '../store/datasets.ts';
import type { Db } from '../store/db.ts';
import { comparedPage, countDiffering } from './compared-rows.ts';
import { comparedRuns, type ComparedRuns } from './compared-runs.ts';
import { comparisonTable } from './export.ts';
import { agentDifferences, comparedRunOf } from './summary.ts';

export interface Comparisons {
  summary(runIds: readonly string[]): Comparison;
  page(q: ComparePageRequest): ComparePage;
  exportTo(runIds: readonly string[], file: string, format?: ExportFormat): Promise<{ rows: number; path: string }>;
}

/** Counts kept while the runs stay as they were: paging through the differing rows of a large run counts them once. */
const COUNT_CACHE_SIZE = 16;

export function createComparisons(db: Db, datasetOf: (id: number) => DatasetRecord): Comparisons {
  const counts = new Map<string, number>();
  const differing = (c: ComparedRuns): number => {
    // A run that moves on changes its counts or status, and so the key.
    const key = c.runs.map(({ run }) => `${run.id}:${run.status}:${run.counts.done}:${run.counts.failed}:${run.counts.pending}`).join('|');
    let n = counts.get(key);
    if (n === undefined) {
      n = countDiffering(db, c);
      if (counts.size >= COUNT_CACHE_SIZE) counts.delete(counts.keys().next().value!);
      counts.set(key, n);
    }
    return n;
  };
  return {
    summary(runIds) {
      const c = comparedRuns(db, runIds, datasetOf);
      return {
        runs: c.runs.map((r) => comparedRunOf(db, r)),
        inputColumns: c.inputColumns,
        comparedColumns: c.comparedColumns,
        rows: c.rows,
        differing: differing(c),
        agentDifferences: agentDifferences(c.runs.map((r) => r.run.agent)),
      };
    },
    page(q) {
      const c = comparedRuns(db, q.runIds, datasetOf);
      const only = q.onlyDiffering ?? false;
      return { total: only ? differing(c) : c.rows, rows: comparedPage(db, c, q.offset, q.limit, only) };
    },
    async exportTo(runIds, file, format) {
      const c = comparedRuns(db, runIds, datasetOf);
      const io = await import('../io/export/index.ts');
      return io.exportTable(comparisonTable(db, c), file, format ?? io.formatFromPath(file));
    },
  };
}
