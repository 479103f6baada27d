import { useState } from 'react';
import type { RunSummary } from '../../../../shared/contract.ts';
import { api } from '../../api.ts';
import { errorText } from '../../bridge.ts';
import { useRuns } from '../../store/runs.ts';

/** A run's name (opens it) and id, renamed in place: Enter or leaving the field saves, Esc keeps the old name. */
export function RunName({ run, onOpen }: { run: RunSummary; onOpen: () => void }) {
  const [editing, setEditing] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const shown = run.name || run.agent.name;

  const save = async (name: string) => {
    setEditing(false);
    if (name.trim() === run.name) return;
    try {
      await api.invoke('run:rename', { runId: run.runId, name });
      setError(null);
    } catch (e) {
      setError(errorText(e));
    }
    void useRuns.getState().refresh(true);
  };

  if (editing) {
    return (
      <input
        className="rename-input"
        defaultValue={shown}
        aria-label={`New name for run ${run.runId}`}
        autoFocus
        maxLength={500}
        data-testid={`run-rename-input-${run.runId}`}
        onBlur={(e) => void save(e.currentTarget.value)}
        onKeyDown={(e) => {
          if (e.key === 'Enter') e.currentTarget.blur();
          if (e.key === 'Escape') setEditing(false);
        }}
      />
    );
  }
  return (
    <>
      <button type="button" className="link" onClick={onOpen} data-testid={`run-open-${run.runId}`} title={`Open run ${run.runId}`}>
        {shown}
      </button>{' '}
      <span className="muted small run-id" data-testid={`run-id-${run.runId}`}>
        #{run.runId}
      </span>{' '}
      <button type="button" className="ghost small" onClick={() => setEditing(true)} data-testid={`run-rename-${run.runId}`} title="Rename this run">
        Rename
      </button>
      {!shown.includes(run.datasetName) && <div className="muted small">{run.datasetName}</div>}
      {error && (
        <div className="bad small" role="alert" data-testid={`run-rename-error-${run.runId}`}>
          {error}
        </div>
      )}
    </>
  );
}
