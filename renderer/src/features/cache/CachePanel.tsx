// The response cache of the data folder: how many answers it keeps, the latest of them, and clearing
// it (all, or what is older than 30 days). Every run over this data folder reuses these answers.
import { useCallback, useEffect, useState } from 'react';
import type { CacheEntry, CacheSize } from '../../../../shared/contract.ts';
import { api } from '../../api.ts';
import { errorText } from '../../bridge.ts';
import { ErrorBox } from '../../components/ui.tsx';
import { fmtCost, fmtDate, fmtInt, fmtTokens } from '../../format.ts';
import { count } from '../../../../shared/plural.ts';

const SHOWN = 20;

function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  return n < 1024 * 1024 ? `${(n / 1024).toFixed(1)} KB` : `${(n / (1024 * 1024)).toFixed(1)} MB`;
}

export function CachePanel() {
  const [size, setSize] = useState<CacheSize | null>(null);
  const [entries, setEntries] = useState<CacheEntry[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const [cleared, setCleared] = useState<number | null>(null);

  const load = useCallback(async () => {
    try {
      const [s, list] = await Promise.all([api.invoke('cache:size', {}), api.invoke('cache:entries', { offset: 0, limit: SHOWN })]);
      setSize(s);
      setEntries(list);
      setError(null);
    } catch (e) {
      setError(errorText(e));
    }
  }, []);
  useEffect(() => void load(), [load]);

  const clear = async (olderThanDays?: number) => {
    setBusy(true);
    try {
      const res = await api.invoke('cache:clear', olderThanDays === undefined ? {} : { olderThanDays });
      setCleared(res.cleared);
      setConfirming(false);
      await load();
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="card" data-testid="cache-panel">
      <div className="card-head">
        <h2>Response cache</h2>
        <span className="spacer" />
        <button type="button" className="ghost" onClick={() => void load()} data-testid="cache-refresh">
          Refresh
        </button>
      </div>
      <p className="muted small">
        Answers kept from earlier calls. A run that asks the same question of the same endpoint (same model, messages and settings) is answered from
        here, free; errors and answers that failed validation are never kept. Turn it off for a run on the Run screen.
      </p>
      {error && <ErrorBox testId="cache-error">{error}</ErrorBox>}
      {size && (
        <p data-testid="cache-size">
          <strong>{fmtInt(size.entries)}</strong> answers · {bytes(size.bytes)} · paid {fmtCost(size.costUsd)} when sent
          {size.oldestAt && <span className="muted small"> · oldest {fmtDate(size.oldestAt)}</span>}
        </p>
      )}
      {cleared !== null && (
        <p className="muted small" role="status" data-testid="cache-cleared">
          Cleared {count(cleared, 'answer')}.
        </p>
      )}
      {entries.length > 0 && (
        <div className="table-scroll">
          <table className="grid" data-testid="cache-entries">
            <thead>
              <tr>
                <th>Kept</th>
                <th>Model</th>
                <th>From</th>
                <th className="num">Tokens</th>
                <th className="num">Cost</th>
              </tr>
            </thead>
            <tbody>
              {entries.map((e) => (
                <tr key={e.key} title={e.key}>
                  <td className="small">{fmtDate(e.createdAt)}</td>
                  <td>{e.model}</td>
                  <td className="small">
                    {e.source === 'batch' ? 'batch' : 'live'}
                    {e.runId ? ` · run ${e.runId}` : ''}
                  </td>
                  <td className="num">{fmtTokens(e.promptTokens + e.completionTokens)}</td>
                  <td className="num">{fmtCost(e.costUsd)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <div className="row-actions">
        <button type="button" className="secondary" onClick={() => void clear(30)} disabled={busy || !size?.entries} data-testid="cache-clear-old">
          Clear answers older than 30 days
        </button>
        {!confirming ? (
          <button type="button" className="ghost danger-text" onClick={() => setConfirming(true)} disabled={busy || !size?.entries} data-testid="cache-clear">
            Clear all
          </button>
        ) : (
          <span className="confirm" role="alertdialog" aria-label="Confirm clearing the cache">
            <span className="small">Forget every kept answer? Later runs will pay for them again.</span>
            <button type="button" className="danger" onClick={() => void clear()} disabled={busy} data-testid="cache-clear-confirm">
              Clear
            </button>
            <button type="button" className="secondary" onClick={() => setConfirming(false)}>
              Keep
            </button>
          </span>
        )}
      </div>
    </div>
  );
}
