// The runs service: the one object every front uses (CLI, Electron main, the served web UI). It joins
// the store, the engine and CSV import/export:
// - datasets: import a CSV (streamed into SQLite, visible only once complete), summaries, rows;
// - runs: create (validated, every prompt rendered, items pending), start/resume/retry-failed on a
//   worker thread, pause/resume/cancel, list, get, delete, export;
// - results: a page of items for a virtualized table, one item's detail;
// - events: raw per-run events (subscribe) and the contract's coalesced ones (on).
//
// Reads run on the caller's thread (short, indexed queries); every per-item write happens on the
// run's worker thread, in batched transactions. Ids are strings in the API (the contract's), integers
// in SQLite.
//
// Each concern has its own module: datasets.ts (import and pages), create-run.ts (validation and
// items), supervisor.ts (worker threads), progress.ts (coalesced contract events), liveness.ts
// (owners, heartbeats, recovery), export-settings.ts (the export's settings sheet); this file joins them.
import path from 'node:path';
import type { DatasetSummary, Endpoint, ExportFormat, RaggedPolicy, EventName, EventPayload, ItemDetail, ItemRow, ItemsQuery, RunSummary } from '../../../shared/contract.ts';
import { RunOptionsSchema, type AgentSpecInput, type BatchEvent, type RunOptions, type RunOptionsInput, type RunStatus } from '../../../shared/domain.ts';
import { createComparisons, type Comparisons } from '../compare/index.ts';
import { badInput, CallError, conflict, notFound } from '../errors.ts';
import { cacheSize, clearCache, listCachedAnswers, type CacheEntrySummary, type CacheSize } from '../store/cache.ts';
import { checkpoint, openDatabase, type Db } from '../store/db.ts';
import { getItem, itemCalls, itemsPage, runRows, type ItemCallRecord } from '../store/items.ts';
import { deleteRunChunk, getRun, listRuns, renameRun, setRunEndpoint, setRunOptions, type RunRecord } from '../store/runs.ts';
import type { FailureCounts, RetryKind } from '../../../shared/attempts.ts';
import { earlierAttempts, failureCounts } from '../store/attempts.ts';
import { createRun } from './create-run.ts';
import { fromRunParams, type FromRunParams } from './from-run.ts';
import { indexesMatching, resetFailedOf, resetRows, type RowChoice } from './rerun.ts';
import { createDatasets } from './datasets.ts';
import { createGridQueries, filterErrors, type GridQueries } from './grid.ts';
import { createRunEvents } from './events.ts';
import { exportSettings } from './export-settings.ts';
import { heldElsewhere, recoverInterrupted } from './liveness.ts';
import { parseId, zodFields } from './parse.ts';
import type { WorkerInit } from './protocol.ts';
import { createSupervisor } from './supervisor.ts';
import { importAndRun, type ImportAndRunParams, type ImportingRun } from './import-and-run.ts';
import { itemRowOf, outputColumnsOf, runInfoOf } from './views.ts';
import { RUN_WORKER_URL, setWorkerHeapFlags } from './worker-start.ts';
import { writing } from './write-errors.ts';

/** A run's event as fronts see it: the engine's events (progress counts the whole run), plus status changes. */
export type RunEvent = BatchEvent | { type: 'status'; status: RunStatus; error: string | null };

export type RunInfo = RunSummary & {
  /** Time spent running, over every session. */
  activeMs: number;
  /** LLM calls in the ledger. */
  calls: number;
  /** Whether this process is running it now. */
  active: boolean;
};

export type ItemInfo = ItemDetail & { skipReason: string | null; calls: ItemCallRecord[] };

export interface StartOptions {
  /** The key for this session; default: the service's apiKey(), else OPENAI_API_KEY. Never stored. */
  apiKey?: string;
  /** Overrides the agent's baseURL for this session (e.g. the built-in simulator). */
  baseURL?: string;
  /** Raises (or sets) the run's budgets; they count the whole run, so a resume gets what is left. */
  maxCost?: number;
  maxTokens?: number;
  /** Sets the run's per-call timeout, ms, from this session on. */
  timeoutMs?: number;
  /** Records the endpoint this session talks to (kind and base URL), so a later resume can find it. */
  endpoint?: Endpoint;
  /** This session sends every request, answering none from the response cache (the run's own setting stays). */
  noCache?: boolean;
}

export interface CreateRunParams {
  datasetId: string;
  agent: AgentSpecInput;
  options?: RunOptionsInput;
  /** Only the first N rows (a trial run). */
  limit?: number;
  name?: string;
  /** The endpoint it will run against (kind and base URL, never a key). */
  endpoint?: Endpoint;
}

export interface ImportOptions {
  name?: string;
  ragged?: RaggedPolicy;
  /** A workbook's sheet by name; default its first. */
  sheet?: string;
  /** Rows stored so far, after each batch. */
  onProgress?: (rows: number) => void;
  /** Work that commits with each batch of rows [from, to) in its transaction (a filling run's items). */
  withRows?: (datasetId: number, from: number, to: number) => void;
  /** The import stopped after storing rows: notes to keep them with (a run holds them), or null to remove them. */
  keepRead?: (err: unknown, rows: number) => string[] | null;
}

export interface RunServiceOptions {
  dbPath: string;
  /** The run worker's entry; a bundled build points this at its compiled copy. */
  workerUrl?: URL;
  /** The key for sessions started without one; default OPENAI_API_KEY. */
  apiKey?: () => string | undefined;
  /** Mark runs left running by a dead process as interrupted when opening (default true). */
  recover?: boolean;
  /** Passed to workers: flush interval and size. */
  worker?: Pick<WorkerInit, 'flushMs' | 'flushEvents'>;
  /** Least time between two coalesced contract events of one run (default 100 ms: ≤ 10 a second). */
  eventIntervalMs?: number;
  /**
   * A run's worker that sends nothing for this long (it says it is alive every 2 s) is stopped and the
   * run marked interrupted, resumable (default 30 s).
   */
  workerSilenceMs?: number;
  /**
   * Set V8's heap flags that keep run workers small (see WORKER_RESOURCE_LIMITS). They are
   * process-wide, so only a front that owns its process turns them on.
   */
  tuneHeapForWorkers?: boolean;
  /** Open the database read-only (no recovery either): for fronts that only read, so a full disk or a read-only file does not stop them. */
  readonly?: boolean;
}

export interface RunService extends GridQueries {
  readonly dbPath: string;

  importDataset(file: string, options?: ImportOptions): Promise<DatasetSummary>;
  listDatasets(): DatasetSummary[];
  datasetSummary(datasetId: string): DatasetSummary;
  datasetRows(datasetId: string, offset: number, limit: number): string[][];
  /** Refuses (conflict) while a run uses the dataset. */
  deleteDataset(datasetId: string): void;

  createRun(params: CreateRunParams): RunInfo;
  /** Imports a file and runs it as it is read: the run starts with the first rows (see import-and-run.ts). */
  importAndRun(params: ImportAndRunParams): ImportingRun;
  /** Starts a pending run, or continues a stopped, cancelled or interrupted one (only its pending and skipped items are sent). */
  start(runId: string, options?: StartOptions): RunInfo;
  /** The same as start; reads better for a run that ran before. */
  resume(runId: string, options?: StartOptions): RunInfo;
  /** Makes failed items (all, or those of `only`'s kind) pending again, their attempt kept, and continues the run. */
  retryFailed(runId: string, options?: StartOptions & { only?: RetryKind }): RunInfo;
  /** How many of the run's failed items failed of each kind. */
  failureCounts(runId: string): FailureCounts;
  /** Runs chosen rows again in the same run (their earlier attempts kept), and any unfinished ones. */
  rerunRows(runId: string, choice: RowChoice, options?: StartOptions): RunInfo;
  /** A new run over the same rows as an earlier one, with this agent (not started). */
  createRunFrom(params: FromRunParams): RunInfo;
  pause(runId: string): void;
  /** Lets a paused run go on (resume is for a run that stopped). */
  unpause(runId: string): void;
  /** In-flight items go back to pending; resolves once the session's final state is committed. */
  cancel(runId: string): Promise<RunInfo>;
  /** Resolves when the run's current session in this process ends (at once if none). */
  finished(runId: string): Promise<RunInfo>;
  isActive(runId: string): boolean;

  listRuns(): RunInfo[];
  getRun(runId: string): RunInfo;
  itemsPage(query: ItemsQuery): { total: number; rows: ItemRow[] };
  itemDetail(runId: string, index: number): ItemInfo;
  /** Cancels it first if it is running here. */
  deleteRun(runId: string): Promise<void>;
  exportRun(runId: string, file: string, format?: ExportFormat): Promise<{ rows: number; path: string }>;
  /** Appends the run's output columns to the data sheet of `into.workbook` (matched by row position), saved as `file`. */
  exportRunInto(runId: string, file: string, into: { workbook: string; sheet?: string }): Promise<{ rows: number; path: string }>;
  /** Runs left running or paused by a process that is gone become interrupted; returns their ids. */
  recoverInterrupted(): string[];
  /** A new name for a run (trimmed; not empty). */
  renameRun(runId: string, name: string): RunInfo;
  /** Runs side by side over the same rows: summary, pages, export. */
  readonly compare: Comparisons;

  /** The response cache of this database: its size, a page of its entries newest first, clearing it. */
  cacheSize(): CacheSize;
  cacheEntries(page: { limit: number; offset?: number }): CacheEntrySummary[];
  /** Deletes every answer, or those kept before `before` (ms since epoch); returns how many. */
  clearCache(options?: { before?: number }): number;

  /**
   * Every event of every run this process runs, as it is committed; with `types`, only those (the
   * others are then not even sent from the run's worker).
   */
  subscribe(listener: (runId: string, event: RunEvent) => void, options?: { types?: readonly RunEvent['type'][] }): () => void;
  /** The contract's events: progress and changed rows coalesced to ≤ 10 a second per run. */
  on<K extends EventName>(name: K, listener: (payload: EventPayload<K>) => void): () => void;

  /**
   * Starts a run worker ahead of time (its thread and modules take a tenth of a second or more), so
   * that the next start does not wait for it: a CLI run calls this before importing its CSV.
   */
  prewarm(): void;

  /** Cancels what runs here, waits for it to be committed, closes the database. */
  close(): Promise<void>;
  /** Stops a run's worker at once (a forced quit): the run is recorded interrupted, its in-flight items pending. */
  abandon(runId: string): Promise<void>;
}

export function createRunService(options: RunServiceOptions): RunService {
  const dbPath = path.resolve(options.dbPath);
  const db: Db = openDatabase(dbPath, { readonly: options.readonly });
  if (options.tuneHeapForWorkers) setWorkerHeapFlags();
  let closed = false;
  const datasets = createDatasets(db, dbPath);
  const events = createRunEvents();
  const infoOf = (r: RunRecord): RunInfo => runInfoOf(r, datasets.datasetOf(r.datasetId), workers.isActive(r.id));
  const workers = createSupervisor({
    db,
    dbPath,
    workerUrl: options.workerUrl ?? RUN_WORKER_URL,
    events,
    infoOf: (runId) => {
      const r = getRun(db, runId);
      return r ? infoOf(r) : ({} as RunInfo);
    },
    ...(options.apiKey ? { apiKey: options.apiKey } : {}),
    ...(options.worker ? { worker: options.worker } : {}),
    eventIntervalMs: options.eventIntervalMs ?? 100,
    workerSilenceMs: options.workerSilenceMs ?? 30_000,
  });

  const runRecord = (runId: string): RunRecord => {
    const r = getRun(db, parseId('run', runId));
    if (!r) throw notFound(`No run with id "${runId}".`);
    return r;
  };

  const recover = (): string[] => recoverInterrupted(db, { isActive: workers.isActive, isImporting: datasets.isImporting });

  const startable = (runId: string): RunRecord => {
    const r = runRecord(runId);
    if (workers.isActive(r.id)) throw conflict(`Run ${runId} is already running.`);
    if (r.status === 'running' || r.status === 'paused') {
      if (heldElsewhere(r)) throw conflict(`Run ${runId} is ${r.status} in another process (${r.owner ?? 'unknown'}).`);
      recover();
      return runRecord(runId);
    }
    return r;
  };

  const applyBudgets = (r: RunRecord, o: StartOptions): RunRecord => {
    if (o.maxCost === undefined && o.maxTokens === undefined && o.timeoutMs === undefined) return r;
    const next: RunOptions = { ...r.options };
    if (o.maxCost !== undefined) next.maxCost = o.maxCost;
    if (o.maxTokens !== undefined) next.maxTokens = o.maxTokens;
    if (o.timeoutMs !== undefined) next.timeoutMs = o.timeoutMs;
    const parsed = RunOptionsSchema.safeParse(next);
    if (!parsed.success) {
      const { fields, details } = zodFields('options', parsed.error);
      throw new CallError('bad-request', `Invalid budget: ${details.join('; ')}`, fields);
    }
    setRunOptions(db, r.id, parsed.data);
    return getRun(db, r.id)!;
  };

  const service: RunService = {
    ...createGridQueries(db, runRecord, (r) => datasets.datasetOf(r.datasetId).columns),
    dbPath,

    importDataset: datasets.importDataset,
    listDatasets: datasets.listDatasets,
    datasetSummary: datasets.datasetSummary,
    datasetRows: datasets.datasetRows,
    deleteDataset: datasets.deleteDataset,

    createRun(p) {
      const runId = createRun(db, dbPath, datasets.datasetOf(parseId('dataset', p.datasetId)), p);
      return infoOf(getRun(db, runId)!);
    },

    importAndRun: (p) =>
      importAndRun(
        {
          db,
          datasets,
          workers,
          launch: (runId, o) =>
            writing(dbPath, `start run ${runId}`, () => {
              workers.launch(getRun(db, runId)!, o, true);
              return infoOf(getRun(db, runId)!);
            }),
        },
        p,
      ),

    start(runId, o = {}) {
      if (closed) throw conflict('The runs service is closed.');
      return writing(dbPath, `start run ${runId}`, () => {
        const r = applyBudgets(startable(runId), o);
        if (o.endpoint) setRunEndpoint(db, r.id, o.endpoint);
        workers.launch(r, o);
        return infoOf(getRun(db, r.id)!);
      });
    },

    resume(runId, o = {}) {
      return service.start(runId, o);
    },

    retryFailed(runId, o = {}) {
      const r = startable(runId);
      writing(dbPath, `retry the failed items of run ${runId}`, () => resetFailedOf(db, r, o.only));
      return service.start(runId, o);
    },

    failureCounts: (runId) => failureCounts(db, runRecord(runId).id),

    rerunRows(runId, choice, o = {}) {
      const r = startable(runId);
      const rows = 'rows' in choice ? choice.rows : indexesMatching(service.itemsPage, { ...choice.filter, runId });
      writing(dbPath, `reset the chosen rows of run ${runId}`, () => resetRows(db, r, rows));
      return service.start(runId, o);
    },

    createRunFrom: (p) => service.createRun(fromRunParams(runRecord(p.fromRunId), p)),

    pause(runId) {
      void workers.post(parseId('run', runId), { type: 'pause' });
    },

    unpause(runId) {
      void workers.post(parseId('run', runId), { type: 'resume' });
    },

    cancel: async (runId) => workers.post(parseId('run', runId), { type: 'cancel' }),

    async finished(runId) {
      return workers.done(parseId('run', runId)) ?? infoOf(runRecord(runId));
    },

    isActive: (runId) => workers.isActive(Number(runId)),

    listRuns: () => listRuns(db).map(infoOf),

    getRun: (runId) => infoOf(runRecord(runId)),

    itemsPage(q) {
      const r = runRecord(q.runId);
      const page = filterErrors(() => itemsPage(db, {
        runId: r.id,
        offset: q.offset,
        limit: q.limit,
        status: q.status,
        search: q.search,
        sort: q.sort,
        inputColumns: datasets.datasetOf(r.datasetId).columns,
        outputColumns: outputColumnsOf(r.agent),
        ...(q.filters ? { filters: q.filters } : {}),
      }));
      return { total: page.total, rows: page.rows.map(itemRowOf) };
    },

    itemDetail(runId, index) {
      const r = runRecord(runId);
      const item = getItem(db, r.id, index);
      if (!item) throw notFound(`Run ${runId} has no item ${index}.`);
      return {
        ...itemRowOf(item),
        prompt: item.prompt,
        attempts: item.attempts,
        transcript: item.transcript,
        skipReason: item.skipReason,
        calls: itemCalls(db, r.id, index),
        earlierAttempts: earlierAttempts(db, r.id, index),
      };
    },

    async deleteRun(runId) {
      const r = runRecord(runId);
      if (workers.isActive(r.id)) {
        await workers.post(r.id, { type: 'cancel' });
      } else if ((r.status === 'running' || r.status === 'paused') && heldElsewhere(r)) {
        throw conflict(`Run ${runId} is ${r.status} in another process (${r.owner ?? 'unknown'}).`);
      }
      // In slices, yielding between them: a run of a million items takes seconds to delete, and
      // neither this thread nor another writer should wait that long in one go.
      while (deleteRunChunk(db, r.id, 20_000)) await new Promise((resolve) => setImmediate(resolve));
    },

    async exportRun(runId, file, format) {
      const r = runRecord(runId);
      const d = datasets.datasetOf(r.datasetId);
      const settings = exportSettings(r, d, infoOf(r));
      const rows = runRows(db, r.id);
      // Loaded on first use: the spreadsheet writer is large and most sessions never export.
      const io = await import('../io/export/index.ts');
      return io.exportRun({ inputColumns: d.columns, outputColumns: outputColumnsOf(r.agent), rows, settings }, path.resolve(file), format ?? io.formatFromPath(file));
    },

    async exportRunInto(runId, file, into) {
      const r = runRecord(runId);
      const io = await import('../io/export/index.ts');
      return io.exportIntoWorkbook({ ...into, outputColumns: outputColumnsOf(r.agent), rows: runRows(db, r.id) }, path.resolve(file));
    },

    recoverInterrupted: recover,

    renameRun(runId, name) {
      const r = runRecord(runId);
      const trimmed = name.trim();
      if (!trimmed) throw badInput(`A run's name cannot be empty (run ${runId}).`);
      writing(dbPath, `rename run ${runId}`, () => renameRun(db, r.id, trimmed));
      return infoOf(runRecord(runId));
    },

    compare: createComparisons(db, (id) => datasets.datasetOf(id)),

    cacheSize: () => cacheSize(db),
    cacheEntries: (page) => listCachedAnswers(db, page),
    clearCache: (o = {}) => writing(dbPath, 'clear the response cache', () => clearCache(db, o)),

    subscribe: (listener, o = {}) => events.subscribe(listener, o.types, workers.forward),

    on: events.on,

    prewarm() {
      if (!closed) workers.prewarm();
    },

    abandon: (runId) => workers.abandon(parseId('run', runId)),

    async close() {
      if (closed) return;
      closed = true;
      await workers.stopAll();
      checkpoint(db);
      db.close();
    },
  };

  if (options.recover !== false && !options.readonly) recover();
  return service;
}
