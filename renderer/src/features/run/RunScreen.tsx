import { useEffect, useMemo, useState, type KeyboardEvent } from 'react';
import { EndpointBadge, ErrorBox, Field, Spinner } from '../../components/ui.tsx';
import { fmtCost, fmtInt, fmtTokens, runTitle } from '../../format.ts';
import { useAgent } from '../../store/agent.ts';
import { useApp } from '../../store/app.ts';
import { useDataset } from '../../store/dataset.ts';
import { ACTIVE, CONTINUABLE, requestKey, runEndpoint, setupRequest, startBlockers, useRun } from '../../store/run.ts';
import { RunStatusPill } from '../runs/RunStatusPill.tsx';
import { BudgetProblems } from './BudgetProblems.tsx';
import { Chart } from './Chart.tsx';
import { count } from '../../../../shared/plural.ts';
import { KeyNotice } from './KeyNotice.tsx';
import { EstimateNotes } from './EstimateNotes.tsx';
import { RunModeChoice } from './RunModeChoice.tsx';
import { RetryByKind } from '../results/RetryByKind.tsx';
import { tiles } from './figures.ts';
import { requestStart, StartGuard, useStartGuard } from './StartGuard.tsx';

export function RunScreen() {
  const runId = useRun((s) => s.runId);
  return (
    <section className="screen" aria-labelledby="run-title">
      <div className="screen-head">
        <h1 id="run-title">Run</h1>
      </div>
      {runId && <ProgressPanel />}
      <SetupPanel />
    </section>
  );
}

function SetupPanel() {
  const dataset = useDataset((s) => s.dataset);
  const draft = useAgent((s) => s.draft);
  const options = useRun((s) => s.options);
  const optionErrors = useRun((s) => s.optionErrors);
  const setOptions = useRun((s) => s.setOptions);
  const storedEstimate = useRun((s) => s.estimate);
  const estimateKey = useRun((s) => s.estimateKey);
  const estimating = useRun((s) => s.estimating);
  const estimateError = useRun((s) => s.estimateError);
  const starting = useRun((s) => s.starting);
  const startError = useRun((s) => s.startError);
  const go = useApp((s) => s.go);
  const blockers = useMemo(() => startBlockers(dataset, draft), [dataset, draft]);
  const blocked = blockers.length > 0;
  const request = useMemo(() => setupRequest(dataset, draft, options), [dataset, draft, options]);
  const currentKey = request ? requestKey(request) : null;
  const hasBudget = request?.options.maxCost !== undefined || request?.options.maxTokens !== undefined;
  // A budget is checked as soon as it is typed (after a pause), so its problems show before Start.
  useEffect(() => {
    if (!currentKey || !hasBudget) return;
    const timer = setTimeout(() => void useRun.getState().checkBudget(), 400);
    return () => clearTimeout(timer);
  }, [currentKey, hasBudget]);
  // An estimate speaks only for the setup it was made for.
  const estimate = storedEstimate && estimateKey === currentKey ? storedEstimate : null;
  const budgetProblems = estimate?.budgetProblems ?? [];
  const budgetBlocked = budgetProblems.some((p) => p.blocksStart);
  const asking = useStartGuard((s) => s.asking !== null);

  return (
    <div className="card" data-testid="run-setup">
      <div className="card-head">
        <h2>New run</h2>
      </div>
      <dl className="facts">
        <div>
          <dt>CSV</dt>
          <dd data-testid="run-dataset">{dataset ? `${dataset.name} · ${count(dataset.rowCount, 'row')}` : '—'}</dd>
        </div>
        <div>
          <dt>Agent</dt>
          <dd data-testid="run-agent">
            {draft.name} · {draft.model}
          </dd>
        </div>
        <div>
          <dt>Endpoint</dt>
          <dd>
            <EndpointBadge kind={draft.endpoint} testId="run-endpoint" />
            {draft.endpoint === 'custom' && <span className="muted small"> {draft.baseURL}</span>}
          </dd>
        </div>
      </dl>
      <KeyNotice />
      {blocked && (
        <div className="blockers" data-testid="run-blockers">
          <strong>Before it can start:</strong>
          <ul>
            {blockers.map((b) => (
              <li key={b}>{b}</li>
            ))}
          </ul>
          <div className="row-actions">
            {!dataset && (
              <button type="button" className="secondary" onClick={() => go('import')}>
                Go to Import
              </button>
            )}
            {dataset && (
              <button type="button" className="secondary" onClick={() => go('agent')}>
                Go to Agent
              </button>
            )}
          </div>
        </div>
      )}

      <RunModeChoice mode={options.mode} onChange={(mode) => setOptions({ mode })} />
      <div className="row-fields">
        <Field label="Batch size" error={optionErrors.batchSize} hint="Rows in flight at once.">
          <input
            inputMode="numeric"
            value={options.batchSize}
            onChange={(e) => setOptions({ batchSize: e.target.value })}
            disabled={options.sequential || options.mode === 'batch'}
            data-testid="batch-size"
          />
        </Field>
        <Field label="On error">
          <select value={options.onError} onChange={(e) => setOptions({ onError: e.target.value as 'stop' | 'continue' })} data-testid="on-error">
            <option value="continue">Continue (mark the row failed)</option>
            <option value="stop">Stop the run</option>
          </select>
        </Field>
        <label className="check">
          <input type="checkbox" checked={options.sequential} onChange={(e) => setOptions({ sequential: e.target.checked })} data-testid="sequential" />
          Sequential (one row at a time, in order)
        </label>
        <label className="check" title="A request already answered, in any run over this data folder, is answered again from the cache: not sent, not paid.">
          <input type="checkbox" checked={options.cache !== false} onChange={(e) => setOptions({ cache: e.target.checked })} data-testid="use-cache" />
          Reuse answers from the cache
        </label>
      </div>
      <div className="row-fields">
        <Field label="Max cost (USD)" error={optionErrors.maxCost} hint="Stops before going over.">
          <input inputMode="decimal" value={options.maxCost} onChange={(e) => setOptions({ maxCost: e.target.value })} placeholder="no limit" data-testid="max-cost" />
        </Field>
        <Field label="Max tokens" error={optionErrors.maxTokens}>
          <input inputMode="numeric" value={options.maxTokens} onChange={(e) => setOptions({ maxTokens: e.target.value })} placeholder="no limit" data-testid="max-tokens" />
        </Field>
        <Field label="Requests / minute" error={optionErrors.rpm} hint="Empty: adapts to 429s.">
          <input inputMode="decimal" value={options.rpm} onChange={(e) => setOptions({ rpm: e.target.value })} placeholder="no limit" data-testid="rpm" />
        </Field>
        <Field label="Tokens / minute" error={optionErrors.tpm}>
          <input inputMode="decimal" value={options.tpm} onChange={(e) => setOptions({ tpm: e.target.value })} placeholder="no limit" data-testid="tpm" />
        </Field>
      </div>
      <BudgetProblems problems={budgetProblems} onAgent={() => go('agent')} />

      <div className="estimate">
        <button type="button" className="secondary" onClick={() => void useRun.getState().runEstimate()} disabled={blocked || estimating} data-testid="estimate-button">
          {estimating ? 'Estimating…' : 'Estimate tokens and cost'}
        </button>
        {estimateError && <ErrorBox testId="estimate-error">{estimateError}</ErrorBox>}
        {estimate && !estimating && (
          <div className="estimate-result" data-testid="estimate-result">
            <span>
              <strong>{fmtInt(estimate.items)}</strong> rows
            </span>
            <span>
              ≈ <strong>{fmtTokens(estimate.promptTokens)}</strong> prompt + <strong>{fmtTokens(estimate.completionTokens)}</strong> completion tokens
            </span>
            <span data-testid="estimate-cost">
              {estimate.costUsd === null ? (
                <em>price unknown for this model</em>
              ) : (
                <>
                  ≈ <strong>{fmtCost(estimate.costUsd)}</strong>
                </>
              )}
            </span>
            <span className="muted small">prompt tokens counted with {estimate.tokenizer}; completion estimated</span>
            <EstimateNotes estimate={estimate} />
          </div>
        )}
      </div>

      {startError && <ErrorBox testId="start-error">{startError}</ErrorBox>}
      <StartGuard />
      <div className="row-actions end">
        <button type="button" className="secondary" onClick={() => requestStart(5)} disabled={blocked || budgetBlocked || !!starting || asking} data-testid="trial-button">
          {starting === 'trial' ? 'Starting…' : 'Trial on first 5 rows'}
        </button>
        <button
          type="button"
          className="primary"
          onClick={() => requestStart()}
          disabled={blocked || budgetBlocked || !!starting || asking}
          data-testid="start-button"
          title="Ctrl/Cmd+Enter"
        >
          {starting === 'full' ? 'Starting…' : dataset?.rowCount === 1 ? 'Start on the 1 row' : `Start on all ${dataset ? fmtInt(dataset.rowCount) : ''} rows`}
        </button>
      </div>
    </div>
  );
}

function ProgressPanel() {
  const run = useRun((s) => s.run);
  const progress = useRun((s) => s.progress);
  const runError = useRun((s) => s.runError);
  const chart = useRun((s) => s.chart);
  const acting = useRun((s) => s.acting);
  const actionError = useRun((s) => s.actionError);
  const control = useRun((s) => s.control);
  const refresh = useRun((s) => s.refresh);
  const go = useApp((s) => s.go);
  const [metric, setMetric] = useState<'throughput' | 'latency'>('throughput');
  const liveStatus = progress?.status;
  // The live figures are worked out at "now": tick while the run runs, so they move when events stop.
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (liveStatus !== 'running') return;
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [liveStatus]);
  // Why a run paused itself (its endpoint is not answering, next try in N s) is in the run's summary,
  // which changes at each probe: read it as the status changes and every few seconds while paused.
  useEffect(() => {
    if (!liveStatus) return;
    void refresh();
    if (liveStatus !== 'paused') return;
    const timer = setInterval(() => void refresh(), 2000);
    return () => clearInterval(timer);
  }, [liveStatus, refresh]);

  if (!run || !progress) {
    return (
      <div className="card" data-testid="progress">
        {runError ? <ErrorBox testId="run-load-error">{runError}</ErrorBox> : <Spinner label="Loading the run…" />}
      </div>
    );
  }
  const t = progress.totals;
  const finished = t.done + t.failed + t.skipped;
  const pct = t.items > 0 ? (finished / t.items) * 100 : 0;
  const status = progress.status;
  const active = ACTIVE.has(status);
  const endpoint = runEndpoint(run);
  const figures = tiles(run, progress, chart, Math.max(now, chart[chart.length - 1]?.t ?? 0));

  const onKeyDown = (e: KeyboardEvent) => {
    if (e.key !== ' ' || e.target !== e.currentTarget) return;
    e.preventDefault();
    if (status === 'running') void control('pause');
    else if (status === 'paused') void control('resume');
  };

  return (
    <div
      className="card progress"
      tabIndex={0}
      onKeyDown={onKeyDown}
      data-testid="progress"
      aria-label="Run progress (Space pauses and resumes)"
      data-status={status}
    >
      <div className="card-head">
        <h2 title={run.runId}>
          {runTitle(run)}
        </h2>
        <RunStatusPill status={status} totals={t} testId="run-status" />
        <EndpointBadge kind={endpoint} testId="progress-endpoint" />
        <span className="spacer" />
        <button type="button" className="secondary" onClick={() => go('results')} data-testid="view-results">
          Results →
        </button>
      </div>

      <div className="bar" role="progressbar" aria-valuemin={0} aria-valuemax={t.items} aria-valuenow={finished} data-testid="progress-bar" data-value={pct.toFixed(1)}>
        <div className="bar-done" style={{ width: `${t.items ? (t.done / t.items) * 100 : 0}%` }} />
        <div className="bar-failed" style={{ width: `${t.items ? (t.failed / t.items) * 100 : 0}%` }} />
        <div className="bar-skipped" style={{ width: `${t.items ? (t.skipped / t.items) * 100 : 0}%` }} />
      </div>
      <div className="bar-caption">
        <span>
          {fmtInt(finished)} of {count(t.items, 'row')} · {pct.toFixed(pct < 10 && pct > 0 ? 1 : 0)}%
        </span>
        {figures.caption && <span data-testid="eta-caption">{figures.caption}</span>}
      </div>

      <div className="stats">
        <Stat label="Done" value={fmtInt(t.done)} testId="count-done" tone="ok" />
        <Stat label="Failed" value={fmtInt(t.failed)} testId="count-failed" tone={t.failed ? 'bad' : undefined} />
        <Stat label="Running" value={fmtInt(t.running)} testId="count-running" />
        <Stat label="Pending" value={fmtInt(t.pending)} testId="count-pending" />
        <Stat label="Skipped" value={fmtInt(t.skipped)} testId="count-skipped" />
        <Stat label="Tokens" value={fmtTokens(t.promptTokens + t.completionTokens)} testId="tokens-total" title={`${fmtInt(t.promptTokens)} prompt + ${fmtInt(t.completionTokens)} completion`} />
        <Stat label="Cost" value={fmtCost(t.costUsd)} testId="cost-total" />
        <Stat label="Cached input" value={fmtTokens(t.cachedTokens ?? 0)} testId="cached-tokens" title={cachedTitle(t)} />
        {(t.cachedSavingUsd ?? 0) > 0 && <Stat label="Saved on cached input" value={fmtCost(t.cachedSavingUsd)} testId="cached-saving" />}
        <Stat label="From cache" value={fmtInt(t.cachedCalls ?? 0)} testId="cached-calls" title={`Calls answered from the response cache: ${fmtCost(t.savedUsd ?? 0)} saved`} />
        <Stat label="Saved" value={fmtCost(t.savedUsd ?? 0)} testId="saved-cost" />
        <Stat label={figures.itemsPerMinute.label} value={figures.itemsPerMinute.value} testId="items-per-minute" />
        <Stat label={figures.eta.label} value={figures.eta.value} testId="eta" />
        <Stat label="In flight" value={figures.inFlight.value} testId="concurrency" title={figures.inFlight.title} />
      </div>

      <div className="chart-head">
        <div className="segmented small" role="radiogroup" aria-label="Chart">
          <label>
            <input type="radio" checked={metric === 'throughput'} onChange={() => setMetric('throughput')} data-testid="chart-throughput" />
            Throughput
          </label>
          <label>
            <input type="radio" checked={metric === 'latency'} onChange={() => setMetric('latency')} data-testid="chart-latency" />
            Latency
          </label>
        </div>
      </div>
      <Chart points={chart} metric={metric} />

      {status === 'paused' && run.error && (
        <div className="offer" role="status" data-testid="pause-notice">
          {run.error}
        </div>
      )}
      {run.error && !active && (
        <ErrorBox testId="run-error">
          <strong>The run stopped:</strong> {run.error}
        </ErrorBox>
      )}
      {actionError && <ErrorBox testId="action-error">{actionError}</ErrorBox>}

      <div className="row-actions">
        {status === 'running' && (
          <button type="button" onClick={() => void control('pause')} disabled={!!acting} data-testid="pause-button" title="Space">
            {acting === 'pause' ? 'Pausing…' : 'Pause'}
          </button>
        )}
        {status === 'paused' && (
          <button type="button" className="primary" onClick={() => void control('resume')} disabled={!!acting} data-testid="resume-button" title="Space">
            {acting === 'resume' ? 'Resuming…' : 'Resume'}
          </button>
        )}
        {active && (
          <button type="button" className="danger" onClick={() => void control('cancel')} disabled={!!acting} data-testid="cancel-button">
            {acting === 'cancel' ? 'Cancelling…' : 'Cancel'}
          </button>
        )}
        {CONTINUABLE.has(status) && (
          <button type="button" className="primary" onClick={() => void useRun.getState().continueRun()} disabled={!!acting} data-testid="continue-button">
            {acting === 'continue' ? 'Continuing…' : status === 'interrupted' ? 'Resume where it stopped' : 'Continue the rest'}
          </button>
        )}
        {!active && t.failed > 0 && (
          <button type="button" className="secondary" onClick={() => void useRun.getState().retryFailed()} disabled={!!acting} data-testid="progress-retry-failed">
            Retry {fmtInt(t.failed)} failed
          </button>
        )}
        {!active && t.failed > 0 && run && <RetryByKind run={run} />}
      </div>
    </div>
  );
}

/** The cached prompt tokens' saving against the uncached input price. */
function cachedTitle(t: { promptTokens: number; cachedTokens?: number; cachedSavingUsd?: number }): string {
  const saving = t.cachedSavingUsd === undefined ? '' : `, saving ${fmtCost(t.cachedSavingUsd)}`;
  return `${fmtInt(t.cachedTokens ?? 0)} of ${fmtInt(t.promptTokens)} prompt tokens billed as cached input${saving}`;
}

function Stat({ label, value, testId, tone, title }: { label: string; value: string; testId: string; tone?: 'ok' | 'bad' | undefined; title?: string }) {
  return (
    <div className={`stat ${tone ?? ''}`} title={title}>
      <div className="stat-value" data-testid={testId}>
        {value}
      </div>
      <div className="stat-label">{label}</div>
    </div>
  );
}
