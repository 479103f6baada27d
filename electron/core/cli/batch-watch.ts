// A batch-mode run's waiting, as the CLI shows it: a line whenever the provider's word on the run's
// batches changes (status, completed/total), read from the store, where the run's worker keeps it.
import { openDatabase, type Db } from '../store/db.ts';
import { runBatches } from '../store/provider-batches.ts';

const EVERY_MS = 2000;

/** The line for the batches not yet collected; null when none is in flight. */
export function batchLine(batches: readonly { batchId: string | null; status: string; total: number; completed: number; failed: number; collected: boolean }[]): string | null {
  const open = batches.filter((b) => !b.collected);
  if (open.length === 0) return null;
  const total = open.reduce((n, b) => n + b.total, 0);
  const completed = open.reduce((n, b) => n + b.completed, 0);
  const failed = open.reduce((n, b) => n + b.failed, 0);
  const statuses = [...new Set(open.map((b) => b.status))].join(', ');
  const count = open.length === 1 ? `batch ${open[0].batchId ?? '(uploading)'}` : `${open.length} batches`;
  return `${count}: ${statuses}, ${completed.toLocaleString('en-US')}/${total.toLocaleString('en-US')} completed${failed ? `, ${failed} failed` : ''}`;
}

/** Notes each change of the run's batches until the returned stop is called. */
export function watchBatches(dbPath: string, runId: number, note: (line: string) => void, everyMs = EVERY_MS): () => void {
  let db: Db | undefined;
  let last: string | null = null;
  const look = (): void => {
    try {
      db ??= openDatabase(dbPath, { readonly: true });
      const line = batchLine(runBatches(db, runId));
      if (line !== null && line !== last) note(line);
      last = line;
    } catch {
      // A busy or locked read: the next look tries again.
    }
  };
  const timer = setInterval(look, everyMs);
  timer.unref();
  return () => {
    clearInterval(timer);
    db?.close();
  };
}
