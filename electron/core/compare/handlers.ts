// The contract's handlers for runs side by side and for renaming a run; core.ts spreads them into its map.
import path from 'node:path';
import type { CallResponse } from '../../../shared/contract.ts';
import type { ParsedRequest } from '../core.ts';
import { CallError } from '../errors.ts';
import type { RunService } from '../runs/service.ts';

type CompareCall = 'run:rename' | 'compare:summary' | 'compare:page' | 'compare:export';

export interface CompareHandlerDeps {
  runs: RunService;
  front: 'electron' | 'served';
  /** The served bridge: writes a file under `name` in a scratch folder and answers its download URL. */
  forDownload(name: string, write: (file: string) => Promise<{ rows: number }>): Promise<{ rows: number; downloadUrl: string }>;
}

export function compareHandlers(d: CompareHandlerDeps): { [K in CompareCall]: (req: ParsedRequest<K>) => Promise<CallResponse<K>> | CallResponse<K> } {
  return {
    'run:rename': ({ runId, name }) => {
      const { activeMs: _a, calls: _c, active: _x, ...summary } = d.runs.renameRun(runId, name);
      return summary;
    },
    'compare:summary': ({ runIds }) => d.runs.compare.summary(runIds),
    'compare:page': (req) => d.runs.compare.page(req),
    'compare:export': async ({ runIds, format, path: target }) => {
      if (d.front === 'served') {
        // Checked before a file is made.
        d.runs.compare.summary(runIds);
        return d.forDownload(`compare-${runIds.join('-')}.${format}`, (file) => d.runs.compare.exportTo(runIds, file, format));
      }
      if (!target) throw new CallError('bad-request', 'Where to save the comparison: a path is needed.', ['path']);
      const written = await d.runs.compare.exportTo(runIds, path.resolve(target), format);
      return { rows: written.rows, path: written.path };
    },
  };
}

