// The contract's results-grid calls: a reviewer's mark on a row, every row a query matches (select
// all), and the distributions the charts draw. The work is the runs service's (runs/grid.ts).
import type { Handlers } from './core.ts';
import type { RunService } from './runs/service.ts';

export function gridHandlers(runs: RunService): Pick<Handlers, 'item:mark' | 'items:indexes' | 'items:distributions'> {
  return {
    'item:mark': ({ runId, index, rating, note }) => {
      runs.markItem(runId, index, rating, note);
      return { ok: true };
    },
    'items:indexes': (query) => ({ indexes: runs.itemIndexes(query) }),
    'items:distributions': ({ runId }) => runs.itemDistributions(runId),
  };
}
