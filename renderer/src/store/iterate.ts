// Runs that build on each other: a new run set up from an earlier one (its rows, agent and options),
// rows of a run sent again in the same run, and failed rows retried by kind.
import { create } from 'zustand';
import type { RunSummary } from '../../../shared/contract.ts';
import type { FailureCounts, RetryKind } from '../../../shared/attempts.ts';
import type { RunOptions } from '../../../shared/domain.ts';
import { api } from '../api.ts';
import { errorText } from '../bridge.ts';
import { specToDraft } from '../features/agent/spec.ts';
import type { OptionsDraft } from '../features/run/options.ts';
import { useAgent } from './agent.ts';
import { useApp } from './app.ts';
import { useDataset } from './dataset.ts';
import { useResults } from './results.ts';
import { runEndpoint, useRun } from './run.ts';
import { count } from '../../../shared/plural.ts';

/** What a rerun sends again: item indexes (from 0), or the rows the results filter shows now. */
export type RerunChoice = ({ rows: number[] } | { filter: true }) & { noCache?: boolean };

interface IterateState {
  /** The earlier run a new run is being set up from: its dataset and how many of its rows it covered. */
  fromRun: { runId: string; datasetId: string; items: number } | null;
  failureCounts: FailureCounts | null;
  busy: 'from' | 'rerun' | RetryKind | null;
  error: string | null;

  /** Opens the earlier run's agent for editing, on its dataset and with its options, for a new run over its rows. */
  newRunFrom(run: RunSummary): Promise<boolean>;
  /** How many rows the next run takes when it is set up from an earlier run on this dataset. */
  rowsFor(datasetId: string): number | undefined;
  /** The next run has started: a later one is set up afresh. */
  started(): void;
  rerun(runId: string, choice: RerunChoice): Promise<boolean>;
  loadFailureCounts(runId: string): Promise<void>;
  retryKind(runId: string, only: RetryKind): Promise<boolean>;
  clearError(): void;
}

/** The form's text for a run's options. */
export function optionsDraftOf(o: RunOptions): OptionsDraft {
  const text = (n: number | undefined) => (n === undefined ? '' : String(n));
  return {
    batchSize: String(o.batchSize),
    sequential: o.sequential,
    onError: o.onError,
    maxCost: text(o.maxCost),
    maxTokens: text(o.maxTokens),
    rpm: text(o.rpm),
    tpm: text(o.tpm),
    ...(o.cache === false ? { cache: false } : {}),
    mode: o.mode ?? 'live',
  };
}

export const useIterate = create<IterateState>()((set, get) => {
  /** After a rerun or retry: watch the run, and refresh the open table. */
  async function watch(runId: string): Promise<void> {
    await useRun.getState().open(runId);
    useResults.getState().refreshAll();
    void get().loadFailureCounts(runId);
  }

  return {
    fromRun: null,
    failureCounts: null,
    busy: null,
    error: null,

    async newRunFrom(run) {
      set({ busy: 'from', error: null });
      try {
        const dataset = await api.invoke('dataset:get', { datasetId: run.datasetId });
        useDataset.setState({ dataset, preview: null });
        useAgent.getState().setDraft(specToDraft(run.agent, runEndpoint(run) ?? undefined));
        useRun.getState().setOptions(optionsDraftOf(run.options));
        set({ fromRun: { runId: run.runId, datasetId: run.datasetId, items: run.totals.items }, busy: null });
        useApp.getState().notify(`New run from "${run.name}": the same ${count(run.totals.items, 'row')}. Edit the agent, then start it on the Run screen.`);
        useApp.getState().go('agent');
        return true;
      } catch (e) {
        set({ busy: null, error: errorText(e) });
        return false;
      }
    },

    rowsFor(datasetId) {
      const from = get().fromRun;
      return from && from.datasetId === datasetId ? from.items : undefined;
    },

    started: () => set({ fromRun: null }),

    async rerun(runId, choice) {
      set({ busy: 'rerun', error: null });
      try {
        const noCache = choice.noCache ? { noCache: true } : {};
        if ('rows' in choice) await api.invoke('run:rerunRows', { runId, rows: choice.rows, ...noCache });
        else {
          const { status, search, filters } = useResults.getState();
          const columns = Object.values(filters);
          const filter = {
            ...(status ? { status } : {}),
            ...(search.trim() ? { search: search.trim() } : {}),
            ...(columns.length ? { filters: columns } : {}),
          };
          await api.invoke('run:rerunRows', { runId, filter, ...noCache });
        }
        set({ busy: null });
        await watch(runId);
        return true;
      } catch (e) {
        set({ busy: null, error: errorText(e) });
        return false;
      }
    },

    async loadFailureCounts(runId) {
      try {
        set({ failureCounts: await api.invoke('run:failureCounts', { runId }) });
      } catch {
        set({ failureCounts: null });
      }
    },

    async retryKind(runId, only) {
      set({ busy: only, error: null });
      try {
        await api.invoke('run:retryFailed', { runId, only });
        set({ busy: null });
        await watch(runId);
        return true;
      } catch (e) {
        set({ busy: null, error: errorText(e) });
        return false;
      }
    },

    clearError: () => set({ error: null }),
  };
});
