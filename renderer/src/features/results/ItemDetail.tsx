import { useEffect, useRef } from 'react';
import type { RunSummary } from '../../../../shared/contract.ts';
import { ErrorBox, ItemStatusPill, Spinner } from '../../components/ui.tsx';
import { fmtCost, fmtDuration, fmtInt } from '../../format.ts';
import { useResults } from '../../store/results.ts';
import { MarkEditor } from './MarkEditor.tsx';
import { count } from '../../../../shared/plural.ts';
import { EarlierAttempts } from './EarlierAttempts.tsx';
import { OutputTable } from './OutputTable.tsx';
import { Message } from './TranscriptMessage.tsx';

export function ItemDetailPanel({ run }: { run: RunSummary }) {
  const index = useResults((s) => s.detailIndex)!;
  const detail = useResults((s) => s.detail);
  const error = useResults((s) => s.detailError);
  const close = () => void useResults.getState().openItem(null);
  const ref = useRef<HTMLElement>(null);
  useEffect(() => ref.current?.focus(), [index]);

  return (
    <aside className="detail" data-testid="item-detail" aria-label={`Row ${index + 1}`} tabIndex={-1} ref={ref}>
      <div className="detail-head">
        <h2>Row {fmtInt(index + 1)}</h2>
        {detail && <ItemStatusPill status={detail.status} />}
        <span className="spacer" />
        <button type="button" className="ghost" onClick={close} aria-label="Close" data-testid="detail-close" title="Esc">
          ✕
        </button>
      </div>
      {error && <ErrorBox testId="detail-load-error">{error}</ErrorBox>}
      {!detail && !error && <Spinner label="Loading…" />}
      {detail && (
        <div className="detail-body">
          <MarkEditor detail={detail} />
          <dl className="facts compact">
            <div>
              <dt>Tokens</dt>
              <dd data-testid="detail-tokens">
                {fmtInt(detail.promptTokens)} + {fmtInt(detail.completionTokens)}
              </dd>
            </div>
            <div>
              <dt>Cost</dt>
              <dd data-testid="detail-cost">{fmtCost(detail.costUsd)}</dd>
            </div>
            <div>
              <dt>Latency</dt>
              <dd data-testid="detail-latency">{fmtDuration(detail.latencyMs)}</dd>
            </div>
            <div>
              <dt>Turns</dt>
              <dd>{detail.turns}</dd>
            </div>
            <div>
              <dt>Attempts</dt>
              <dd data-testid="detail-attempts">{detail.attempts}</dd>
            </div>
          </dl>

          {detail.error && (
            <ErrorBox testId="detail-error">
              <strong>Error:</strong> {detail.error}
            </ErrorBox>
          )}

          <h3>Output</h3>
          {detail.output && Object.keys(detail.output).length ? (
            <OutputTable output={detail.output} testId="detail-output" />
          ) : (
            <p className="muted small" data-testid="detail-output">
              No output{detail.status === 'pending' || detail.status === 'running' ? ' yet' : ''}.
            </p>
          )}

          <details>
            <summary>Input ({count(run.inputColumns.length, 'column')})</summary>
            <table className="kv">
              <tbody>
                {run.inputColumns.map((c, i) => (
                  <tr key={i}>
                    <th>{c}</th>
                    <td>
                      <pre className="wrap">{detail.input[i]}</pre>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </details>

          <h3>Prompt</h3>
          <pre className="code wrap" data-testid="detail-prompt">
            {detail.prompt}
          </pre>

          <h3>Transcript</h3>
          <div className="transcript" data-testid="transcript">
            {detail.transcript.length === 0 && <p className="muted small">No messages yet.</p>}
            {detail.transcript.map((m, i) => (
              <Message key={i} m={m} />
            ))}
          </div>
          <EarlierAttempts detail={detail} />
        </div>
      )}
    </aside>
  );
}
