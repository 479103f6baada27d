// The rows checked in the results grid, by item index, for actions on several rows (they read
// selectedIndexes()). Cleared when another run is shown.
import { create } from 'zustand';

interface SelectionState {
  runId: string | null;
  indexes: ReadonlySet<number>;
  toggle(index: number): void;
  /** Replaces the selection (select all the filter's rows). */
  setAll(indexes: Iterable<number>): void;
  clear(): void;
  /** Points the selection at a run; another run's selection is dropped. */
  forRun(runId: string | null): void;
}

export const useSelection = create<SelectionState>()((set, get) => ({
  runId: null,
  indexes: new Set(),
  toggle(index) {
    const next = new Set(get().indexes);
    if (next.has(index)) next.delete(index);
    else next.add(index);
    set({ indexes: next });
  },
  setAll: (indexes) => set({ indexes: new Set(indexes) }),
  clear: () => set({ indexes: new Set() }),
  forRun(runId) {
    if (runId !== get().runId) set({ runId, indexes: new Set() });
  },
}));

/** The selected item indexes, in row order. */
export function selectedIndexes(): number[] {
  return [...useSelection.getState().indexes].sort((a, b) => a - b);
}
