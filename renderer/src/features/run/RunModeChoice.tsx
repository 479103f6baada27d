import type { RunMode } from '../../../../shared/domain.ts';

/** Live calls, or the provider's Batch API: half the price, results within a day. */
export function RunModeChoice({ mode, onChange }: { mode: RunMode; onChange: (mode: RunMode) => void }) {
  return (
    <div className="segmented" role="radiogroup" aria-label="Mode" data-testid="run-mode">
      <label>
        <input type="radio" name="run-mode" checked={mode === 'live'} onChange={() => onChange('live')} data-testid="run-mode-live" />
        Live
      </label>
      <label>
        <input type="radio" name="run-mode" checked={mode === 'batch'} onChange={() => onChange('batch')} data-testid="run-mode-batch" />
        Batch — about half the price, results within 24 h
      </label>
    </div>
  );
}
