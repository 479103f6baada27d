import { useEffect, useState } from 'react';
import type { RunSummary } from '../../../../shared/contract.ts';
import { EndpointBadge, Empty, ErrorBox, Spinner } from '../../components/ui.tsx';
import { fmtCost, fmtDate, fmtInt } from '../../format.ts';
import { useAgent } from '../../store/agent.ts';
import { useApp } from '../../store/app.ts';
import { ACTIVE, CONTINUABLE, runEndpoint, useRun } from '../../store/run.ts';
import { useRuns } from '../../store/runs.ts';
import { specToDraft } from '../agent/spec.ts';
import { CachePanel } from '../cache/CachePanel.tsx';
import { NewRunFrom } from './NewRunFrom.tsx';
import { RunStatusPill } from './RunStatusPill.tsx';

export function RunsScreen() {
  const runs = useRuns((s) => s.runs);
  const loading = useRuns((s) => s.loading);
  const error = useRuns((s) => s.error);

  // Runs started from the command line send no events here: look again every few seconds.
  useEffect(() => {
    void useRuns.getState().refresh();
    const timer = setInterval(() => {
      if (!useRuns.getState().loading && document.visibilityState === 'visible') void useRuns.getState().refresh(true);
    }, 5000);
    return () => clearInterval(timer);
  }, []);

  return (
    <section className="screen" aria-labelledby="runs-title">
      <div className="screen-head">
        <h1 id="runs-title">Runs</h1>
        <p className="muted">Every run in this data folder, those started from the command line too.</p>
        <span className="spacer" />
        <button type="button" className="secondary" onClick={() => void useRuns.getState().refresh()} disabled={loading} data-testid="runs-refresh">
          {loading ? 'Refreshing…' : 'Refresh'}
        </button>
      </div>
      {error && <ErrorBox testId="runs-error">{error}</ErrorBox>}
      {!runs && !error && <Spinner label="Loading runs…" />}
      {runs && runs.length === 0 && (
        <Empty title="No runs yet" testId="runs-empty">
          <p className="muted">Import a CSV, shape the agent, then start a run; it will be listed here.</p>
        </Empty>
      )}
      {runs && runs.length > 0 && (
        <div className="table-scroll">
          <table className="grid runs" data-testid="runs-list">
            <thead>
              <tr>
                <th>Run</th>
                <th>Status</th>
                <th className="num">Done</th>
                <th className="num">Failed</th>
                <th className="num">Rows</th>
                <th className="num">Cost</th>
                <th>Model</th>
                <th>Created</th>
                <th aria-label="Actions" />
              </tr>
            </thead>
            <tbody>
              {runs.map((r) => (
                <RunRow key={r.runId} run={r} />
              ))}
            </tbody>
          </table>
        </div>
      )}
      <CachePanel />
    </section>
  );
}

function RunRow({ run }: { run: RunSummary }) {
  const current = useRun((s) => s.runId === run.runId);
  const deleteError = useRuns((s) => s.deleteErrors[run.runId]);
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const go = useApp((s) => s.go);
  const t = run.totals;

  const open = async () => {
    await useRun.getState().open(run.runId);
    go(ACTIVE.has(run.status) ? 'run' : 'results');
  };
  const resume = async () => {
    setBusy(true);
    if (await useRun.getState().continueRun(run.runId)) go('run');
    setBusy(false);
  };
  const remove = async () => {
    setBusy(true);
    await useRuns.getState().remove(run.runId);
    setBusy(false);
    setConfirming(false);
  };

  return (
    <>
      <tr className={current ? 'selected' : ''} data-testid={`run-row-${run.runId}`} data-status={run.status}>
        <td>
          <button type="button" className="link" onClick={() => void open()} data-testid={`run-open-${run.runId}`} title={run.runId}>
            {run.name || run.agent.name}
          </button>
          {!(run.name || run.agent.name).includes(run.datasetName) && <div className="muted small">{run.datasetName}</div>}
        </td>
        <td>
          <RunStatusPill status={run.status} totals={t} />
        </td>
        <td className="num">{fmtInt(t.done)}</td>
        <td className={`num ${t.failed ? 'bad' : ''}`}>{fmtInt(t.failed)}</td>
        <td className="num">{fmtInt(t.items)}</td>
        <td className="num">
          {fmtCost(t.costUsd)}
          {!!t.cachedCalls && (
            <div className="muted small" data-testid={`run-cached-${run.runId}`} title="Calls answered from the response cache, and what they would have cost">
              {fmtInt(t.cachedCalls)} cached · {fmtCost(t.savedUsd ?? 0)} saved
            </div>
          )}
        </td>
        <td>
          {run.agent.model} <EndpointBadge kind={runEndpoint(run)} />
        </td>
        <td className="small">{fmtDate(run.createdAt)}</td>
        <td className="actions-cell">
          {CONTINUABLE.has(run.status) && (
            <button type="button" className="secondary" onClick={() => void resume()} disabled={busy} data-testid={`run-continue-${run.runId}`}>
              {run.status === 'interrupted' ? 'Resume' : 'Continue'}
            </button>
          )}
          <button
            type="button"
            className="ghost"
            onClick={() => {
              useAgent.getState().setDraft(specToDraft(run.agent, runEndpoint(run) ?? undefined));
              useApp.getState().notify(`The agent of "${run.name || run.agent.name}" is in the editor.`);
              go('agent');
            }}
            data-testid={`run-agent-${run.runId}`}
            title="Edit a copy of this run's agent"
          >
            Agent
          </button>
          <NewRunFrom run={run} />
          {!confirming ? (
            <button
              type="button"
              className="ghost danger-text"
              onClick={() => setConfirming(true)}
              disabled={busy || ACTIVE.has(run.status)}
              title={ACTIVE.has(run.status) ? 'Cancel the run before deleting it' : 'Delete this run and its results'}
              data-testid={`run-delete-${run.runId}`}
            >
              Delete
            </button>
          ) : (
            <span className="confirm" role="alertdialog" aria-label="Confirm delete">
              <span className="small">Delete it and its results?</span>
              <button type="button" className="danger" onClick={() => void remove()} disabled={busy} data-testid={`run-delete-confirm-${run.runId}`}>
                Delete
              </button>
              <button type="button" className="secondary" onClick={() => setConfirming(false)} data-testid={`run-delete-cancel-${run.runId}`}>
                Keep
              </button>
            </span>
          )}
        </td>
      </tr>
      {deleteError && (
        <tr>
          <td colSpan={9}>
            <ErrorBox testId={`run-delete-error-${run.runId}`}>{deleteError}</ErrorBox>
          </td>
        </tr>
      )}
    </>
  );
}
