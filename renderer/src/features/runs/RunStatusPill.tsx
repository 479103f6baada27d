// A run's status as a pill, read through runStatusView so every screen says the same thing.
import type { RunTotals } from '../../../../shared/contract.ts';
import type { RunStatus } from '../../../../shared/domain.ts';
import { runStatusView } from './status.ts';

export function RunStatusPill({ status, totals, testId }: { status: RunStatus; totals: RunTotals; testId?: string }) {
  const view = runStatusView(status, totals);
  return (
    <span className={`pill tone-${view.tone}`} data-testid={testId} data-status={status} data-tone={view.tone}>
      {view.label}
    </span>
  );
}
