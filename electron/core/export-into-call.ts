// The contract's run:exportInto: a run's answers added to the user's own workbook, saved as a new file
// beside it in the desktop app, or kept in the session's scratch folder and offered as a download when
// served. The workbook comes as an upload only when served and as a path only in the desktop app.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Handlers } from './core.ts';
import { CallError, notFound } from './errors.ts';
import { answeredName, freePath } from './io/export/answered-name.ts';
import type { RunService } from './runs/service.ts';

type File = { path: string; name: string };

export interface ExportIntoContext {
  front: 'electron' | 'served';
  runs: RunService;
  tempDir: string;
  uploads: Map<string, File>;
  downloads: Map<string, File>;
  newId: () => string;
}

export function exportIntoHandler(ctx: ExportIntoContext): Pick<Handlers, 'run:exportInto'> {
  const { front, runs, tempDir, uploads, downloads, newId } = ctx;
  return {
    'run:exportInto': async ({ runId, source, sheet }) => {
      const workbook = source.kind === 'upload' ? uploads.get(source.uploadId) : { path: source.path, name: path.basename(source.path) };
      if (!workbook) throw notFound('That upload is gone (the server may have restarted); choose the workbook again.');
      if ((front === 'served') !== (source.kind === 'upload')) {
        throw new CallError('bad-request', front === 'served' ? 'The served app reads uploaded files only.' : 'Uploads are only used by the served app; pass a path.', ['source.kind']);
      }
      const into = { workbook: workbook.path, ...(sheet ? { sheet } : {}) };
      const name = answeredName(workbook.name);
      if (front === 'served') {
        const dir = path.join(tempDir, 'exports', newId());
        mkdirSync(dir, { recursive: true });
        const written = await runs.exportRunInto(runId, path.join(dir, name), into);
        const id = newId();
        downloads.set(id, { path: written.path, name });
        return { rows: written.rows, downloadUrl: `/download/${id}` };
      }
      const written = await runs.exportRunInto(runId, freePath(path.join(path.dirname(workbook.path), name)), into);
      return { rows: written.rows, path: written.path };
    },
  };
}
