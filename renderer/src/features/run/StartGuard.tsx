// Start while a run is still going (a button, or Ctrl/Cmd+Enter): asks first, so a second press does
// not quietly start a duplicate.
import { create } from 'zustand';
import { runTitle } from '../../format.ts';
import { ACTIVE, useRun } from '../../store/run.ts';

interface Asking {
  /** The trial's row count, when it is the trial that waits. */
  asking: { limit: number | undefined } | null;
}

export const useStartGuard = create<Asking>()(() => ({ asking: null }));

/** Starts at once, or asks first when the run in view is still going. */
export function requestStart(limit?: number): void {
  const { run, progress } = useRun.getState();
  const status = progress?.status ?? run?.status;
  if (status && ACTIVE.has(status)) useStartGuard.setState({ asking: { limit } });
  else void useRun.getState().start(limit);
}

function confirm(): void {
  const limit = useStartGuard.getState().asking?.limit;
  useStartGuard.setState({ asking: null });
  void useRun.getState().start(limit);
}

export function StartGuard() {
  const run = useRun((s) => s.run);
  const asking = useStartGuard((s) => s.asking);
  if (!asking) return null;
  return (
    <div className="offer" role="alertdialog" aria-label="Start another run?" data-testid="start-confirm">
      <span>
        <strong>{run ? runTitle(run) : 'A run'}</strong> is still going. Start another run{asking.limit ? ` on the first ${asking.limit} rows` : ''} beside it?
      </span>
      <span className="row-actions">
        <button type="button" className="primary" onClick={confirm} data-testid="start-confirm-yes">
          Start another
        </button>
        <button type="button" className="secondary" onClick={() => useStartGuard.setState({ asking: null })} data-testid="start-confirm-no" autoFocus>
          Keep one
        </button>
      </span>
    </div>
  );
}
