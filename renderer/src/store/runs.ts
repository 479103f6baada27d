// Every run in the store, those the CLI started too.
import { create } from 'zustand';
import type { RunProgress, RunSummary } from '../../../shared/contract.ts';
import { api } from '../api.ts';
import { errorText } from '../bridge.ts';
import { useRun } from './run.ts';

interface RunsState {
  runs: RunSummary[] | null;
  loading: boolean;
  error: string | null;
  /** Per run: the error of its last delete. */
  deleteErrors: Record<string, string>;
  /** Interrupted runs the user said not to resume now. */
  dismissed: string[];
  /** quiet: a background look, without the loading state. */
  refresh(quiet?: boolean): Promise<void>;
  remove(runId: string): Promise<boolean>;
  applyProgress(p: RunProgress): void;
  dismiss(runId: string): void;
}

export const useRuns = create<RunsState>()((set, get) => ({
  runs: null,
  loading: false,
  error: null,
  deleteErrors: {},
  dismissed: [],

  async refresh(quiet) {
    if (!quiet) set({ loading: true });
    try {
      const runs = await api.invoke('runs:list', {});
      // Newest first, whatever order the core keeps.
      runs.sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0));
      set({ runs, loading: false, error: null });
    } catch (e) {
      set({ loading: false, error: errorText(e) });
    }
  },

  async remove(runId) {
    try {
      await api.invoke('run:delete', { runId });
      useRun.getState().forget(runId);
      set((s) => {
        const deleteErrors = { ...s.deleteErrors };
        delete deleteErrors[runId];
        return { runs: s.runs?.filter((r) => r.runId !== runId) ?? null, deleteErrors };
      });
      return true;
    } catch (e) {
      set((s) => ({ deleteErrors: { ...s.deleteErrors, [runId]: errorText(e) } }));
      return false;
    } finally {
      void get().refresh();
    }
  },

  applyProgress(p) {
    const runs = get().runs;
    if (!runs) return;
    const i = runs.findIndex((r) => r.runId === p.runId);
    if (i < 0) {
      // A run we have not seen (started from the CLI, say): read the list again.
      if (!get().loading) void get().refresh();
      return;
    }
    const next = runs.slice();
    next[i] = { ...runs[i], status: p.status, totals: p.totals };
    set({ runs: next });
  },

  dismiss: (runId) => set((s) => ({ dismissed: [...s.dismissed, runId] })),
}));
