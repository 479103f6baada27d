import type { AgentDifference, Comparison } from '../../../../shared/compare.ts';
import { fmtCost, fmtDuration, fmtInt, fmtTokens } from '../../format.ts';

const ASPECT: Record<AgentDifference['field'], string> = {
  model: 'Model',
  systemMessage: 'System message',
  prompt: 'Prompt',
  fields: 'Output fields',
};

/** Each run's totals side by side, then what differs between their agents. */
export function CompareSummary({ summary }: { summary: Comparison }) {
  return (
    <>
      <div className="compare-runs" data-testid="compare-runs">
        {summary.runs.map((r) => (
          <div key={r.runId} className="compare-run" data-testid={`compare-run-${r.runId}`}>
            <div className="compare-run-name">
              {r.name} <span className="muted small">#{r.runId}</span>
            </div>
            <div className="muted small">
              {r.model} · {r.datasetName}
            </div>
            <dl className="compare-totals">
              <dt>Done</dt>
              <dd data-testid={`compare-done-${r.runId}`}>{fmtInt(r.totals.done)}</dd>
              <dt>Failed</dt>
              <dd className={r.totals.failed ? 'bad' : ''} data-testid={`compare-failed-${r.runId}`}>
                {fmtInt(r.totals.failed)}
              </dd>
              <dt>Cost</dt>
              <dd>{fmtCost(r.totals.costUsd)}</dd>
              <dt>Tokens</dt>
              <dd>{fmtTokens(r.totals.promptTokens + r.totals.completionTokens)}</dd>
              <dt>Median latency</dt>
              <dd>{fmtDuration(r.totals.medianLatencyMs)}</dd>
            </dl>
          </div>
        ))}
      </div>
      {summary.agentDifferences.length === 0 ? (
        <p className="muted small" data-testid="compare-agents-same">
          The agents are the same (model, system message, prompt and output fields).
        </p>
      ) : (
        <table className="grid compare-agents" data-testid="compare-agents">
          <thead>
            <tr>
              <th>Agent</th>
              {summary.runs.map((r) => (
                <th key={r.runId}>#{r.runId}</th>
              ))}
            </tr>
          </thead>
          <tbody>
            {summary.agentDifferences.map((d) => (
              <tr key={d.field} data-testid={`compare-agent-${d.field}`}>
                <th scope="row">{ASPECT[d.field]}</th>
                {d.values.map((v, i) => (
                  <td key={i} title={v}>
                    {v || <span className="muted">(none)</span>}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
