// When a run was cut off (the app or the server died while it ran), offer to resume it.
import { useState } from 'react';
import { fmtInt } from '../../format.ts';
import { useApp } from '../../store/app.ts';
import { useRun } from '../../store/run.ts';
import { useRuns } from '../../store/runs.ts';
import { count } from '../../../../shared/plural.ts';

export function InterruptedOffer() {
  const runs = useRuns((s) => s.runs);
  const dismissed = useRuns((s) => s.dismissed);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const interrupted = (runs ?? []).filter((r) => r.status === 'interrupted' && !dismissed.includes(r.runId));
  if (!interrupted.length) return null;
  const run = interrupted[0];
  const t = run.totals;

  const resume = async () => {
    setBusy(true);
    setError(null);
    const ok = await useRun.getState().continueRun(run.runId);
    setBusy(false);
    if (ok) {
      useApp.getState().go('run');
      void useRuns.getState().refresh();
    } else setError(useRun.getState().actionError);
  };

  return (
    <div className="offer" role="alert" data-testid="interrupted-offer" data-run-id={run.runId}>
      <div>
        <strong>{run.name || run.agent.name}</strong> was interrupted with {fmtInt(t.done + t.failed)} of {count(t.items, 'row')} finished.
        {interrupted.length > 1 && <span className="muted"> ({interrupted.length - 1} more in Runs.)</span>}
        {error && <div className="field-error">{error}</div>}
      </div>
      <span className="spacer" />
      <button type="button" className="primary" onClick={() => void resume()} disabled={busy} data-testid="resume-interrupted">
        {busy ? 'Resuming…' : 'Resume it'}
      </button>
      <button type="button" className="secondary" onClick={() => useRuns.getState().dismiss(run.runId)} data-testid="dismiss-interrupted">
        Not now
      </button>
    </div>
  );
}
