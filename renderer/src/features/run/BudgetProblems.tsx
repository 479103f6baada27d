// What the core found wrong with the budget, under the budget fields: a problem that stops Start as an
// error (with the way to the Agent screen, where prices are set), the rest as warnings.
import type { BudgetProblem } from '../../../../shared/contract.ts';
import { ErrorBox } from '../../components/ui.tsx';

export function BudgetProblems({ problems, onAgent }: { problems: readonly BudgetProblem[]; onAgent: () => void }) {
  if (problems.length === 0) return null;
  const blocking = problems.filter((p) => p.blocksStart);
  const warnings = problems.filter((p) => !p.blocksStart);
  return (
    <div className="budget-problems" data-testid="budget-problems">
      {blocking.map((p) => (
        <ErrorBox key={p.kind + p.field} testId={`budget-${p.kind}`}>
          {p.message}{' '}
          {p.kind === 'unpriced-model' && (
            <button type="button" className="link" onClick={onAgent}>
              Set the prices on the Agent screen
            </button>
          )}
        </ErrorBox>
      ))}
      {warnings.map((p) => (
        <div key={p.kind + p.field} className="blockers" role="status" data-testid={`budget-${p.kind}`}>
          <strong>Before you start:</strong> {p.message}
        </div>
      ))}
    </div>
  );
}
