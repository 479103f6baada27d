// The grid's column layout, remembered per dataset (runs of one CSV share their columns), in the
// browser's storage.
import { create } from 'zustand';
import { persist } from 'zustand/middleware';
import { EMPTY_LAYOUT, MIN_WIDTH, type ColumnLayout } from './columns.ts';

interface LayoutState {
  byDataset: Record<string, ColumnLayout>;
  setOrder(datasetId: string, order: string[]): void;
  toggleHidden(datasetId: string, id: string): void;
  setWidth(datasetId: string, id: string, width: number): void;
  reset(datasetId: string): void;
}

export const useColumnLayout = create<LayoutState>()(
  persist(
    (set) => {
      const patch = (datasetId: string, f: (l: ColumnLayout) => Partial<ColumnLayout>) =>
        set((s) => {
          const l = s.byDataset[datasetId] ?? EMPTY_LAYOUT;
          return { byDataset: { ...s.byDataset, [datasetId]: { ...l, ...f(l) } } };
        });
      return {
        byDataset: {},
        setOrder: (d, order) => patch(d, () => ({ order })),
        toggleHidden: (d, id) => patch(d, (l) => ({ hidden: l.hidden.includes(id) ? l.hidden.filter((x) => x !== id) : [...l.hidden, id] })),
        setWidth: (d, id, width) => patch(d, (l) => ({ widths: { ...l.widths, [id]: Math.max(MIN_WIDTH, Math.round(width)) } })),
        reset: (d) =>
          set((s) => {
            const { [d]: _gone, ...rest } = s.byDataset;
            return { byDataset: rest };
          }),
      };
    },
    { name: 'rowrunner.columns', version: 1, partialize: (s) => ({ byDataset: s.byDataset }) },
  ),
);

export function layoutOf(datasetId: string): ColumnLayout {
  return useColumnLayout.getState().byDataset[datasetId] ?? EMPTY_LAYOUT;
}
