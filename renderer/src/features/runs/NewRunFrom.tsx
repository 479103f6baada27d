// "New run from this one": the run's agent opened for editing, on the same rows, with its options.
import type { RunSummary } from '../../../../shared/contract.ts';
import { useIterate } from '../../store/iterate.ts';
import { count } from '../../../../shared/plural.ts';

export function NewRunFrom({ run, className = 'ghost' }: { run: RunSummary; className?: string }) {
  const busy = useIterate((s) => s.busy === 'from');
  return (
    <button
      type="button"
      className={className}
      onClick={() => void useIterate.getState().newRunFrom(run)}
      disabled={busy}
      data-testid={`new-run-from-${run.runId}`}
      title={`A new run over the same ${count(run.totals.items, 'row')}, with this run's agent opened for editing`}
    >
      New run from this one
    </button>
  );
}
