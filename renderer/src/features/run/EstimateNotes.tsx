// What the estimate adds to its figures: the prompt tokens expected cached (priced at the cached-input
// rate), that huge prompts were counted from samples, and the rows too long for the model, which the
// run fails without sending.
import type { Estimate } from '../../../../shared/contract.ts';
import { fmtInt, fmtTokens } from '../../format.ts';

export function EstimateNotes({ estimate }: { estimate: Estimate }) {
  const cached = estimate.cachedTokens ?? 0;
  const tooLong = estimate.tooLong;
  return (
    <>
      {cached > 0 && (
        <span className="muted small" data-testid="estimate-cached">
          of which ≈ {fmtTokens(cached)} cached input, priced at the cached rate (the first row warms the shared prefix)
        </span>
      )}
      {estimate.sampled && <span className="muted small">very long prompts counted from samples</span>}
      {tooLong && (
        <div className="blockers" role="status" data-testid="estimate-too-long">
          <strong>
            {fmtInt(tooLong.count)} {tooLong.count === 1 ? 'row is' : 'rows are'} too long for the model:
          </strong>{' '}
          {tooLong.count === 1 ? 'its prompt' : 'their prompts'} (up to ≈ {fmtTokens(tooLong.longest)} tokens) and the answer exceed the context window of{' '}
          {fmtInt(tooLong.contextWindow)} tokens. Row{tooLong.rows.length === 1 ? '' : 's'} {tooLong.rows.join(', ')}
          {tooLong.count > tooLong.rows.length ? ` and ${fmtInt(tooLong.count - tooLong.rows.length)} more` : ''}: the run fails{' '}
          {tooLong.count === 1 ? 'it' : 'them'} without sending.
        </div>
      )}
    </>
  );
}
