// A workbook with several sheets: which one is the data. Choosing another imports that sheet instead.
import type { DatasetSummary } from '../../../../shared/contract.ts';
import { useDataset } from '../../store/dataset.ts';

export function SheetPicker({ dataset }: { dataset: DatasetSummary }) {
  const importing = useDataset((s) => s.importing);
  const canPick = useDataset((s) => s.workbook !== null);
  if (!dataset.sheets || dataset.sheets.length < 2 || !canPick) return null;
  return (
    <label className="sheet-picker">
      <span className="muted">Sheet </span>
      <select
        value={dataset.sheet}
        disabled={!!importing}
        onChange={(e) => void useDataset.getState().pickSheet(e.target.value)}
        data-testid="sheet-select"
        aria-label="Sheet to import"
      >
        {dataset.sheets.map((s) => (
          <option key={s} value={s}>
            {s}
          </option>
        ))}
      </select>
    </label>
  );
}
