// Retry failed rows by kind: those the endpoint gave no usable answer for (network, timeouts, 429,
// 5xx), or those whose answer failed validation. The plain "Retry failed" retries both and the rest.
import { useEffect } from 'react';
import type { RunSummary } from '../../../../shared/contract.ts';
import type { RetryKind } from '../../../../shared/attempts.ts';
import { fmtInt } from '../../format.ts';
import { useIterate } from '../../store/iterate.ts';
import { ACTIVE } from '../../store/run.ts';

const LABEL: Record<RetryKind, { text: string; title: string }> = {
  infra: { text: 'Retry infrastructure failures', title: 'Rows the endpoint gave no usable answer for: network, timeouts, 429, 5xx' },
  invalid: { text: 'Retry invalid answers', title: 'Rows whose answer failed validation, e.g. tool arguments that were not valid' },
};

export function RetryByKind({ run }: { run: RunSummary }) {
  const counts = useIterate((s) => s.failureCounts);
  const busy = useIterate((s) => s.busy);
  const failed = run.totals.failed;
  // Counted again whenever the run's failed count changes (a retry, a rerun, the run going on).
  useEffect(() => {
    void useIterate.getState().loadFailureCounts(run.runId);
  }, [run.runId, failed]);
  if (failed === 0 || !counts) return null;
  return (
    <div className="button-group" role="group" aria-label="Retry failed rows by kind">
      {(['infra', 'invalid'] as const).map((kind) => (
        <button
          key={kind}
          type="button"
          className="secondary"
          onClick={() => void useIterate.getState().retryKind(run.runId, kind)}
          disabled={counts[kind] === 0 || ACTIVE.has(run.status) || busy !== null}
          title={LABEL[kind].title}
          data-testid={`retry-${kind}`}
        >
          {busy === kind ? 'Retrying…' : `${LABEL[kind].text} (${fmtInt(counts[kind])})`}
        </button>
      ))}
    </div>
  );
}
