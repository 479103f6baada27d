// What the Results screen offers to build on a run: a new run from it, rows run again, failures
// retried by kind.
import type { RunSummary } from '../../../../shared/contract.ts';
import { ErrorBox } from '../../components/ui.tsx';
import { useIterate } from '../../store/iterate.ts';
import { NewRunFrom } from '../runs/NewRunFrom.tsx';
import { RerunRows } from './RerunRows.tsx';
import { RetryByKind } from './RetryByKind.tsx';

export function IterateActions({ run }: { run: RunSummary }) {
  const error = useIterate((s) => s.error);
  return (
    <>
      <div className="toolbar" data-testid="iterate-actions">
        <NewRunFrom run={run} className="secondary" />
        <RerunRows run={run} />
        <RetryByKind run={run} />
      </div>
      {error && (
        <ErrorBox testId="iterate-error" onDismiss={() => useIterate.getState().clearError()}>
          {error}
        </ErrorBox>
      )}
    </>
  );
}
