import { useApp } from '../../store/app.ts';
import { useCompare } from '../../store/compare.ts';

/** Above the Runs table once runs are ticked: compare them side by side. */
export function CompareBar() {
  const selected = useCompare((s) => s.selected);
  if (selected.length === 0) return null;
  const compare = () => {
    void useCompare.getState().open([...selected]);
    useApp.getState().go('compare');
  };
  return (
    <div className="compare-bar" data-testid="compare-bar">
      <span className="small">{selected.length === 1 ? 'Tick one more run over the same rows to compare.' : `${selected.length} runs ticked.`}</span>
      <button type="button" onClick={compare} disabled={selected.length < 2} data-testid="compare-selected">
        Compare
      </button>
      <button type="button" className="ghost" onClick={() => useCompare.getState().clearSelection()} data-testid="compare-clear">
        Clear
      </button>
    </div>
  );
}

/** The tick that picks a run for a comparison. */
export function ComparePick({ runId }: { runId: string }) {
  const picked = useCompare((s) => s.selected.includes(runId));
  return (
    <input
      type="checkbox"
      checked={picked}
      onChange={() => useCompare.getState().toggle(runId)}
      aria-label={`Pick run ${runId} to compare`}
      data-testid={`run-pick-${runId}`}
    />
  );
}
