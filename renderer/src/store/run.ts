// The run being set up and the run being watched (started here, or reopened from the runs list).
import { create } from 'zustand';
import { persist } from 'zustand/middleware';
import type { CallRequest, DatasetSummary, RunEstimate, RunProgress, RunSummary } from '../../../shared/contract.ts';
import { checkPrompt, promptColumnsMessage } from '../../../shared/validation.ts';
import { api } from '../api.ts';
import { asContractError, errorText } from '../bridge.ts';
import { buildSpec, endpointOf, type AgentDraft, type EndpointKind } from '../features/agent/spec.ts';
import { buildOptions, defaultOptions, type OptionsDraft } from '../features/run/options.ts';
import { useAgent } from './agent.ts';
import { useDataset } from './dataset.ts';
import { useIterate } from './iterate.ts';

export interface ChartPoint {
  t: number;
  itemsPerMinute: number;
  latencyMs: number | null;
}

const MAX_POINTS = 360;
export const ACTIVE: ReadonlySet<RunSummary['status']> = new Set(['pending', 'running', 'paused']);
export const CONTINUABLE: ReadonlySet<RunSummary['status']> = new Set(['interrupted', 'cancelled', 'stopped-error', 'stopped-budget']);

type StartRequest = CallRequest<'run:start'>;

interface RunState {
  options: OptionsDraft;
  optionErrors: Record<string, string>;
  /** Why the run cannot start, for the setup screen (no CSV, a wrong agent field, a missing column). */
  blockers: string[];
  estimate: RunEstimate | null;
  /** The request the estimate was made for (requestKey): it speaks only for that one. */
  estimateKey: string | null;
  estimating: boolean;
  estimateError: string | null;
  starting: 'trial' | 'full' | null;
  startError: string | null;

  runId: string | null;
  run: RunSummary | null;
  runError: string | null;
  progress: RunProgress | null;
  chart: ChartPoint[];
  acting: string | null;
  actionError: string | null;

  setOptions(patch: Partial<OptionsDraft>): void;
  prepare(limit?: number): StartRequest | null;
  runEstimate(): Promise<void>;
  /** Asks the core about the budget of the run as set up now, quietly (no field errors), when a budget is set. */
  checkBudget(): Promise<void>;
  start(limit?: number): Promise<boolean>;
  open(runId: string): Promise<void>;
  refresh(): Promise<void>;
  applyProgress(p: RunProgress): void;
  control(action: 'pause' | 'resume' | 'cancel'): Promise<void>;
  continueRun(runId?: string): Promise<boolean>;
  retryFailed(): Promise<boolean>;
  forget(runId: string): void;
}

function pushPoint(chart: ChartPoint[], p: RunProgress): ChartPoint[] {
  const now = Date.now();
  const last = chart[chart.length - 1];
  const point = { t: now, itemsPerMinute: p.itemsPerMinute, latencyMs: p.latencyMs ?? last?.latencyMs ?? null };
  // At most a point a second, so the chart spans minutes, not seconds.
  const next = last && now - last.t < 1000 ? [...chart.slice(0, -1), { ...point, t: last.t }] : [...chart, point];
  return next.length > MAX_POINTS ? next.slice(next.length - MAX_POINTS) : next;
}

export const useRun = create<RunState>()(
  persist(
    (set, get) => ({
      options: defaultOptions(),
      optionErrors: {},
      blockers: [],
      estimate: null,
      estimateKey: null,
      estimating: false,
      estimateError: null,
      starting: null,
      startError: null,
      runId: null,
      run: null,
      runError: null,
      progress: null,
      chart: [],
      acting: null,
      actionError: null,

      setOptions: (patch) => set((s) => ({ options: { ...s.options, ...patch }, optionErrors: {}, estimate: null, estimateKey: null })),

      prepare(limit) {
        const dataset = useDataset.getState().dataset;
        const draft = useAgent.getState().draft;
        const blockers = startBlockers(dataset, draft);
        const { spec } = buildSpec(draft);
        const { options, errors: optionErrors } = buildOptions(get().options);
        set({ blockers, optionErrors });
        if (blockers.length || !options || !spec || !dataset) return null;
        return {
          datasetId: dataset.id,
          agent: spec,
          options,
          endpoint: endpointOf(draft),
          ...(limit ? { limit } : fromRunRows(dataset.id)),
        };
      },

      async runEstimate() {
        const req = get().prepare();
        if (!req) return;
        set({ estimating: true, estimateError: null });
        try {
          set({ estimate: await api.invoke('run:estimate', req), estimateKey: requestKey(req), estimating: false });
        } catch (e) {
          set({ estimating: false, estimateError: errorText(e) });
        }
      },

      async checkBudget() {
        const req = budgetRequest(useDataset.getState().dataset, useAgent.getState().draft, get().options);
        if (!req || get().estimateKey === requestKey(req)) return;
        try {
          const estimate = await api.invoke('run:estimate', req);
          // A newer setup may have been checked meanwhile: keep whichever matches what is set up now.
          const now = budgetRequest(useDataset.getState().dataset, useAgent.getState().draft, get().options);
          if (now && requestKey(now) === requestKey(req)) set({ estimate, estimateKey: requestKey(req) });
        } catch {
          // A quiet check: the Estimate button and Start say what is wrong.
        }
      },

      async start(limit) {
        if (get().starting) return false;
        const req = get().prepare(limit);
        if (!req) return false;
        set({ starting: limit ? 'trial' : 'full', startError: null });
        try {
          const { runId } = await api.invoke('run:start', req);
          set({ starting: null });
          if (!limit) useIterate.getState().started();
          await get().open(runId);
          return true;
        } catch (e) {
          set({ starting: null, startError: errorText(e) });
          return false;
        }
      },

      async open(runId) {
        if (get().runId !== runId) set({ runId, run: null, progress: null, chart: [], runError: null, actionError: null });
        await get().refresh();
      },

      async refresh() {
        const runId = get().runId;
        if (!runId) return;
        try {
          const run = await api.invoke('run:get', { runId });
          if (get().runId !== runId) return;
          set((s) => ({
            run,
            runError: null,
            // The summary is the truth: totals and status from it, rate and ETA from the last event.
            progress: s.progress
              ? { ...s.progress, status: run.status, totals: run.totals }
              : { runId, status: run.status, totals: run.totals, concurrency: 0, itemsPerMinute: 0, etaMs: null, latencyMs: null },
          }));
        } catch (e) {
          if (get().runId !== runId) return;
          // A run that is gone (deleted elsewhere) is forgotten; anything else is shown.
          if (asContractError(e).code === 'not-found') get().forget(runId);
          else set({ runError: errorText(e) });
        }
      },

      applyProgress(p) {
        if (p.runId !== get().runId) return;
        set((s) => ({
          progress: p,
          chart: pushPoint(s.chart, p),
          run: s.run ? { ...s.run, status: p.status, totals: p.totals } : s.run,
        }));
      },

      async control(action) {
        const runId = get().runId;
        if (!runId || get().acting) return;
        set({ acting: action, actionError: null });
        try {
          await api.invoke(action === 'resume' ? 'run:unpause' : `run:${action}`, { runId });
        } catch (e) {
          set({ actionError: errorText(e) });
        } finally {
          set({ acting: null });
          await get().refresh();
        }
      },

      async continueRun(id) {
        const runId = id ?? get().runId;
        if (!runId) return false;
        set({ acting: 'continue', actionError: null });
        try {
          // The core remembers each run's endpoint; without one it continues on that.
          await api.invoke('run:continue', { runId });
          set({ acting: null });
          await get().open(runId);
          return true;
        } catch (e) {
          set({ acting: null, actionError: errorText(e) });
          if (id && id !== get().runId) await get().open(id);
          return false;
        }
      },

      async retryFailed() {
        const runId = get().runId;
        if (!runId) return false;
        set({ acting: 'retry', actionError: null });
        try {
          await api.invoke('run:retryFailed', { runId });
          return true;
        } catch (e) {
          set({ actionError: errorText(e) });
          return false;
        } finally {
          set({ acting: null });
          await get().refresh();
        }
      },

      forget(runId) {
        set((s) => (s.runId === runId ? { runId: null, run: null, progress: null, chart: [] } : {}));
      },
    }),
    {
      name: 'rowrunner.run',
      version: 1,
      partialize: (s) => ({ options: s.options, runId: s.runId }),
    },
  ),
);

/** Why a run cannot start yet: no CSV, a wrong agent field, a column the CSV lacks. */
export function startBlockers(dataset: DatasetSummary | null, draft: AgentDraft): string[] {
  const blockers: string[] = [];
  if (!dataset) blockers.push('Import a CSV first (Import).');
  const { spec, errors } = buildSpec(draft);
  for (const issue of Object.values(errors)) blockers.push(issue.text);
  if (spec && dataset) {
    const { missing } = checkPrompt(spec.prompt, dataset.columns);
    if (missing.length) blockers.push(promptColumnsMessage(missing, dataset.columns));
  }
  return blockers;
}

/** The run request the setup makes now, when it is complete (else null). */
export function setupRequest(dataset: DatasetSummary | null, draft: AgentDraft, draftOptions: OptionsDraft): StartRequest | null {
  const { options } = buildOptions(draftOptions);
  if (!dataset || !options || startBlockers(dataset, draft).length) return null;
  const { spec } = buildSpec(draft);
  return spec ? { datasetId: dataset.id, agent: spec, options, endpoint: endpointOf(draft) } : null;
}

/** The same, only when it sets a budget: the one the Run screen checks on its own. */
export function budgetRequest(dataset: DatasetSummary | null, draft: AgentDraft, draftOptions: OptionsDraft): StartRequest | null {
  const req = setupRequest(dataset, draft, draftOptions);
  return req && (req.options.maxCost !== undefined || req.options.maxTokens !== undefined) ? req : null;
}

/** A run set up from an earlier one takes the same rows (a trial's first N). */
function fromRunRows(datasetId: string): { limit?: number } {
  const rows = useIterate.getState().rowsFor(datasetId);
  return rows ? { limit: rows } : {};
}

/** Which setup an estimate is for: the request without the trial's limit. */
export function requestKey(req: StartRequest): string {
  const { limit: _limit, ...rest } = req;
  return JSON.stringify(rest);
}

/** The endpoint a run was started with, as the store keeps it. */
export function runEndpoint(run?: RunSummary | null): EndpointKind | null {
  if (run?.endpoint) return run.endpoint.kind;
  if (run?.agent.baseURL) return 'custom';
  return null;
}
