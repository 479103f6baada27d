// Runs side by side: the runs picked on the Runs screen, the comparison of those opened, and the page
// of rows in view (all rows or only those whose outputs differ), read from the core a page at a time.
import { create } from 'zustand';
import type { ComparePage, Comparison } from '../../../shared/compare.ts';
import type { ExportFormat } from '../../../shared/contract.ts';
import { api, downloadUrl, isElectron } from '../api.ts';
import { errorText } from '../bridge.ts';

export const COMPARE_PAGE_SIZE = 50;

interface CompareState {
  /** Picked on the Runs screen, in the order picked. */
  selected: string[];
  /** The runs of the comparison shown. */
  runIds: string[];
  summary: Comparison | null;
  page: ComparePage | null;
  offset: number;
  onlyDiffering: boolean;
  loading: boolean;
  error: string | null;
  exportNote: string | null;
  toggle(runId: string): void;
  clearSelection(): void;
  open(runIds: string[]): Promise<void>;
  setOnlyDiffering(only: boolean): Promise<void>;
  goTo(offset: number): Promise<void>;
  exportAs(format: ExportFormat): Promise<void>;
}

export const useCompare = create<CompareState>()((set, get) => {
  const load = async (): Promise<void> => {
    const { runIds, offset, onlyDiffering } = get();
    if (runIds.length < 2) return;
    set({ loading: true });
    try {
      const page = await api.invoke('compare:page', { runIds, offset, limit: COMPARE_PAGE_SIZE, onlyDiffering });
      // A later request may have moved on meanwhile.
      if (get().runIds === runIds && get().offset === offset && get().onlyDiffering === onlyDiffering) set({ page, loading: false, error: null });
    } catch (e) {
      set({ loading: false, error: errorText(e) });
    }
  };
  return {
    selected: [],
    runIds: [],
    summary: null,
    page: null,
    offset: 0,
    onlyDiffering: false,
    loading: false,
    error: null,
    exportNote: null,

    toggle: (runId) => set((s) => ({ selected: s.selected.includes(runId) ? s.selected.filter((id) => id !== runId) : [...s.selected, runId] })),
    clearSelection: () => set({ selected: [] }),

    async open(runIds) {
      if (runIds.join(',') === get().runIds.join(',') && get().summary) return;
      set({ runIds, summary: null, page: null, offset: 0, error: null, exportNote: null });
      try {
        const summary = await api.invoke('compare:summary', { runIds });
        if (get().runIds !== runIds) return;
        set({ summary });
        await load();
      } catch (e) {
        set({ error: errorText(e) });
      }
    },

    async setOnlyDiffering(onlyDiffering) {
      set({ onlyDiffering, offset: 0 });
      await load();
    },

    async goTo(offset) {
      set({ offset: Math.max(0, offset) });
      await load();
    },

    async exportAs(format) {
      const runIds = get().runIds;
      set({ exportNote: null });
      try {
        const res = await api.invoke('compare:export', { runIds, format });
        if (res.downloadUrl) downloadUrl(res.downloadUrl);
        const rows = res.rows.toLocaleString('en-US');
        set({ exportNote: res.downloadUrl ? `Exported ${rows} rows as ${format}; the download has started.` : res.path ? `Saved to ${res.path} (${rows} rows).` : isElectron ? 'Export cancelled.' : `Exported ${rows} rows.` });
      } catch (e) {
        set({ exportNote: errorText(e) });
      }
    },
  };
});
