// The results table's query (status filter, search, per-column filters, sort), its page cache, the open
// item, marks, the distributions of the run's fields, and exports.
import { create } from 'zustand';
import type { ExportFormat, ItemDetail, ItemDistributions, ItemFilter, ItemRating } from '../../../shared/contract.ts';
import type { ItemStatus } from '../../../shared/domain.ts';
import { api, downloadUrl, isElectron } from '../api.ts';
import { errorText } from '../bridge.ts';
import { PageCache, type QueryKey } from '../features/results/pageCache.ts';
import { useSelection } from '../features/results/selection.ts';
import { count } from '../../../shared/plural.ts';

export interface SortState {
  column: string;
  desc: boolean;
}

interface ResultsState {
  runId: string | null;
  status: ItemStatus | null;
  search: string;
  sort: SortState | null;
  /** Per-column filters by column id (and 'mark:mark' for the marks). */
  filters: Record<string, ItemFilter>;
  cache: PageCache | null;
  distributions: ItemDistributions | null;
  distributionsError: string | null;
  markError: string | null;
  /** Counts Clear filters, so the filter boxes start again empty. */
  filtersCleared: number;
  /** The charts above the grid are shown. */
  chartsOpen: boolean;
  detailIndex: number | null;
  detail: ItemDetail | null;
  detailError: string | null;
  exporting: ExportFormat | null;
  exportResult: string | null;
  exportError: string | null;

  /** Points the table at a run (or none); keeps the filter when it is the same run. */
  setRun(runId: string | null): void;
  setStatus(status: ItemStatus | null): void;
  setSearch(search: string): void;
  toggleSort(column: string): void;
  setFilter(columnId: string, filter: ItemFilter | null): void;
  clearFilters(): void;
  /** Sets a row's mark (nulls clear it) and shows it. */
  markItem(index: number, rating: ItemRating | null, note: string | null): Promise<void>;
  loadDistributions(): Promise<void>;
  /** Selects every row the query matches (not only those loaded). */
  selectAll(): Promise<void>;
  openItem(index: number | null): Promise<void>;
  reloadItem(): Promise<void>;
  exportAs(format: ExportFormat): Promise<void>;
  /** Rows changed (run:items): refresh what is on screen. */
  changed(runId: string, indexes: number[]): void;
  /** Anything may have changed (reconnect, retry, finish). */
  refreshAll(): void;
}

function makeCache(q: QueryKey): PageCache {
  return new PageCache(q, (query) => api.invoke('items:page', query));
}

export const useResults = create<ResultsState>()((set, get) => {
  function requery(patch: Partial<Pick<ResultsState, 'runId' | 'status' | 'search' | 'sort' | 'filters'>>): void {
    const next = { ...get(), ...patch };
    get().cache?.dispose();
    let cache: PageCache | null = null;
    if (next.runId) {
      const q: QueryKey = { runId: next.runId };
      if (next.status) q.status = next.status;
      if (next.search.trim()) q.search = next.search.trim();
      if (next.sort) q.sort = next.sort;
      const filters = Object.values(next.filters);
      if (filters.length) q.filters = filters;
      cache = makeCache(q);
    }
    set({ ...patch, cache });
  }

  return {
    runId: null,
    status: null,
    search: '',
    sort: null,
    filters: {},
    cache: null,
    distributions: null,
    distributionsError: null,
    markError: null,
    chartsOpen: true,
    filtersCleared: 0,
    detailIndex: null,
    detail: null,
    detailError: null,
    exporting: null,
    exportResult: null,
    exportError: null,

    setRun(runId) {
      if (runId === get().runId && get().cache) return;
      set({ detailIndex: null, detail: null, detailError: null, exportResult: null, exportError: null, markError: null });
      if (runId !== get().runId) set({ distributions: null, distributionsError: null });
      useSelection.getState().forRun(runId);
      requery(runId === get().runId ? { runId } : { runId, status: null, search: '', sort: null, filters: {} });
    },
    setStatus: (status) => requery({ status }),
    setSearch: (search) => requery({ search }),
    toggleSort(column) {
      const s = get().sort;
      // asc → desc → back to the run's order
      requery({ sort: !s || s.column !== column ? { column, desc: false } : !s.desc ? { column, desc: true } : null });
    },

    setFilter(columnId, filter) {
      const { [columnId]: _old, ...rest } = get().filters;
      requery({ filters: filter ? { ...rest, [columnId]: filter } : rest });
    },
    clearFilters() {
      set((s) => ({ filtersCleared: s.filtersCleared + 1 }));
      requery({ filters: {}, status: null, search: '' });
    },

    async markItem(index, rating, note) {
      const runId = get().runId;
      if (!runId) return;
      try {
        await api.invoke('item:mark', { runId, index, rating, note });
        set({ markError: null });
      } catch (e) {
        set({ markError: errorText(e) });
      }
      get().changed(runId, [index]);
    },

    async loadDistributions() {
      const runId = get().runId;
      if (!runId) return;
      try {
        const distributions = await api.invoke('items:distributions', { runId });
        if (get().runId === runId) set({ distributions, distributionsError: null });
      } catch (e) {
        if (get().runId === runId) set({ distributionsError: errorText(e) });
      }
    },

    async selectAll() {
      const cache = get().cache;
      if (!cache) return;
      try {
        const { indexes } = await api.invoke('items:indexes', cache.query);
        if (get().cache === cache) useSelection.getState().setAll(indexes);
      } catch (e) {
        set({ markError: errorText(e) });
      }
    },

    async openItem(index) {
      set({ detailIndex: index, detail: null, detailError: null });
      if (index !== null) await get().reloadItem();
    },

    async reloadItem() {
      const { runId, detailIndex } = get();
      if (!runId || detailIndex === null) return;
      try {
        const detail = await api.invoke('item:detail', { runId, index: detailIndex });
        if (get().detailIndex === detailIndex && get().runId === runId) set({ detail, detailError: null });
      } catch (e) {
        if (get().detailIndex === detailIndex) set({ detailError: errorText(e) });
      }
    },

    async exportAs(format) {
      const runId = get().runId;
      if (!runId || get().exporting) return;
      set({ exporting: format, exportResult: null, exportError: null });
      try {
        const res = await api.invoke('run:export', { runId, format });
        if (res.downloadUrl) {
          downloadUrl(res.downloadUrl);
          set({ exportResult: `Exported ${count(res.rows, 'row')} as ${format}; the download has started.` });
        } else if (res.path) {
          set({ exportResult: `Saved to ${res.path} (${count(res.rows, 'row')}).` });
        } else {
          set({ exportResult: isElectron ? 'Export cancelled.' : `Exported ${count(res.rows, 'row')}.` });
        }
      } catch (e) {
        set({ exportError: errorText(e) });
      } finally {
        set({ exporting: null });
      }
    },

    changed(runId, indexes) {
      if (runId !== get().runId) return;
      get().cache?.invalidate(indexes);
      const open = get().detailIndex;
      if (open !== null && indexes.includes(open)) void get().reloadItem();
    },

    refreshAll() {
      get().cache?.invalidateAll();
      if (get().detailIndex !== null) void get().reloadItem();
    },
  };
});
