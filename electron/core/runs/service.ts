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
import path from 'node:path';
import type { Worker } from 'node:worker_threads';
import type { z } from 'zod';
import type {
  DatasetSummary,
  Endpoint,
  EventName,
  EventPayload,
  ItemDetail,
  ItemRow,
  ItemsQuery,
  RunSummary,
  RunTotals,
} from '../../../shared/contract.ts';
import {
  AgentSpecSchema,
  RunOptionsSchema,
  type AgentSpec,
  type AgentSpecInput,
  type BatchEvent,
  type RunOptions,
  type RunOptionsInput,
  type RunStatus,
} from '../../../shared/domain.ts';
import { compileTemplate, missingColumns, TemplateError } from '../../../shared/template.ts';
import { promptColumnsMessage } from '../../../shared/validation.ts';
import { CallError, badInput, conflict, notFound } from '../errors.ts';
import { readCsv, type RaggedPolicy } from '../io/csv/index.ts';
import {
  beginDataset,
  datasetRows,
  datasetRowsPage,
  deleteDataset as removeDataset,
  finishDataset,
  getDataset,
  insertDatasetRows,
  listDatasets as allDatasets,
  setDatasetHeader,
  staleImports,
  type DatasetRecord,
} from '../store/datasets.ts';
import { checkpoint, openDatabase, type Db } from '../store/db.ts';
import {
  getItem,
  itemCalls,
  itemsPage as pageOfItems,
  insertItems,
  resetFailed,
  resetRunning,
  resetSkipped,
  runRows,
  type ItemCallRecord,
  type ItemRecord,
} from '../store/items.ts';
import {
  claimRun,
  deleteRunChunk,
  getRun as readRun,
  insertRun,
  listRuns as allRuns,
  releaseRun,
  runsWithStatus,
  setRunEndpoint,
  setRunOptions,
  type RunRecord,
} from '../store/runs.ts';
import { isoOrNull, ownerAlive, processOwner } from '../store/sql.ts';
import { workerFault } from './fault-injection.ts';
import type { ParentMessage, WorkerInit, WorkerMessage } from './protocol.ts';
import { RUN_WORKER_URL, setWorkerHeapFlags, startRunWorker, startSpareWorker, takeEarlyWorker, type SpareWorker } from './worker-start.ts';
import { runTotals } from './totals.ts';

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
  /** Rows stored so far, after each batch. */
  onProgress?: (rows: number) => void;
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

export interface RunService {
  readonly dbPath: string;

  importDataset(file: string, options?: ImportOptions): Promise<DatasetSummary>;
  listDatasets(): DatasetSummary[];
  datasetSummary(datasetId: string): DatasetSummary;
  datasetRows(datasetId: string, offset: number, limit: number): string[][];
  /** Refuses (conflict) while a run uses the dataset. */
  deleteDataset(datasetId: string): void;

  createRun(params: CreateRunParams): RunInfo;
  /** Starts a pending run, or continues a stopped, cancelled or interrupted one (only its pending and skipped items are sent). */
  start(runId: string, options?: StartOptions): RunInfo;
  /** The same as start; reads better for a run that ran before. */
  resume(runId: string, options?: StartOptions): RunInfo;
  /** Makes failed items pending again and continues the run. */
  retryFailed(runId: string, options?: StartOptions): RunInfo;
  pause(runId: string): void;
  resumePaused(runId: string): void;
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
  exportRun(runId: string, file: string, format?: 'xlsx' | 'csv' | 'jsonl'): Promise<{ rows: number; path: string }>;
  /** Runs left running or paused by a process that is gone become interrupted; returns their ids. */
  recoverInterrupted(): string[];

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

/** A run is considered abandoned if its owner stopped beating for this long (another host, or a pid we cannot check). */
const STALE_HEARTBEAT_MS = 30_000;
/** How long a worker whose run ended may take to sync it to the database file and exit. */
const WIND_DOWN_MS = 10_000;

interface ActiveRun {
  worker: Worker;
  status: RunStatus;
  done: Promise<RunInfo>;
  ended: boolean;
  // contract-event coalescing
  lastEmit: number;
  pendingTimer?: NodeJS.Timeout;
  changed: Set<number>;
  totals?: RunTotals;
  concurrency: number;
  latencySum: number;
  latencyCount: number;
  samples: { t: number; finished: number }[];
}

function parseId(kind: string, id: string): number {
  const n = Number(id);
  if (!/^\d+$/.test(String(id)) || !Number.isSafeInteger(n)) throw notFound(`No ${kind} with id "${id}".`);
  return n;
}

function zodFields(prefix: string, error: z.ZodError): { fields: string[]; details: string[] } {
  const fields: string[] = [];
  const details: string[] = [];
  for (const issue of error.issues) {
    const p = [prefix, ...issue.path.map(String)].filter(Boolean).join('.');
    if (!fields.includes(p)) fields.push(p);
    details.push(`${p}: ${issue.message}`);
  }
  return { fields, details };
}

type FinishStatus = Extract<BatchEvent, { type: 'finished' }>['status'];
function isFinishStatus(s: RunStatus): s is FinishStatus {
  return s === 'completed' || s === 'stopped-error' || s === 'stopped-budget' || s === 'cancelled';
}

export function outputColumnsOf(agent: AgentSpec): string[] {
  return agent.output && Object.keys(agent.output).length > 0 ? Object.keys(agent.output) : ['result'];
}

export function createRunService(options: RunServiceOptions): RunService {
  const dbPath = path.resolve(options.dbPath);
  const db: Db = openDatabase(dbPath, { readonly: options.readonly });
  const workerUrl = options.workerUrl ?? RUN_WORKER_URL;
  if (options.tuneHeapForWorkers) setWorkerHeapFlags();
  const eventInterval = options.eventIntervalMs ?? 100;
  const workerSilence = options.workerSilenceMs ?? 30_000;
  const active = new Map<number, ActiveRun>();
  /** Raw listeners, each with the event types it wants (null: all). */
  const listeners = new Map<(runId: string, event: RunEvent) => void, ReadonlySet<string> | null>();
  /** The engine events some listener wants: what workers forward (null: all). */
  const forwardTypes = (): BatchEvent['type'][] | null => {
    const union = new Set<BatchEvent['type']>();
    for (const types of listeners.values()) {
      if (types === null) return null;
      for (const t of types) union.add(t as BatchEvent['type']);
    }
    return [...union];
  };
  const contractListeners = new Map<EventName, Set<(payload: never) => void>>();
  let closed = false;
  /** A worker started by prewarm, waiting for the next run. */
  let spare: SpareWorker | undefined;
  const takeSpare = (): Worker | undefined => {
    const s = spare;
    spare = undefined;
    if (!s) return undefined;
    s.worker.removeAllListeners();
    if (!s.alive) {
      void s.worker.terminate();
      return undefined;
    }
    s.worker.ref();
    return s.worker;
  };
  /** Workers whose run has ended, still syncing it to the database file (see windDown). */
  const exiting = new Set<Promise<void>>();
  /** Datasets this service is importing now (their rows are not stale). */
  const importing = new Set<number>();

  // --- summaries ---------------------------------------------------------------------------------

  const datasetSummaryOf = (d: DatasetRecord): DatasetSummary => ({
    id: String(d.id),
    name: d.name,
    columns: d.columns,
    rowCount: d.rowCount,
    delimiter: d.delimiter,
    encoding: d.encoding,
    notes: d.notes,
    createdAt: new Date(d.createdAt).toISOString(),
  });

  const datasetCache = new Map<number, DatasetRecord>();
  const datasetOf = (id: number): DatasetRecord => {
    let d = datasetCache.get(id);
    if (!d) {
      d = getDataset(db, id);
      if (!d) throw notFound(`No dataset with id "${id}".`);
      if (d.state === 'ready') datasetCache.set(id, d);
    }
    return d;
  };

  const runInfoOf = (r: RunRecord): RunInfo => {
    const d = datasetOf(r.datasetId);
    return {
      runId: String(r.id),
      name: r.name,
      datasetId: String(r.datasetId),
      datasetName: d.name,
      status: r.status,
      error: r.error,
      agent: r.agent,
      options: r.options,
      endpoint: r.endpoint,
      inputColumns: d.columns,
      outputColumns: outputColumnsOf(r.agent),
      totals: runTotals(r),
      createdAt: new Date(r.createdAt).toISOString(),
      startedAt: isoOrNull(r.startedAt),
      finishedAt: isoOrNull(r.finishedAt),
      activeMs: r.activeMs,
      calls: r.callCount,
      active: active.has(r.id),
    };
  };

  const runRecord = (runId: string): RunRecord => {
    const r = readRun(db, parseId('run', runId));
    if (!r) throw notFound(`No run with id "${runId}".`);
    return r;
  };

  const itemRowOf = (i: ItemRecord): ItemRow => ({
    index: i.index,
    input: i.input,
    output: i.output,
    status: i.status,
    error: i.error,
    turns: i.turns,
    promptTokens: i.promptTokens,
    completionTokens: i.completionTokens,
    costUsd: i.costUsd,
    latencyMs: i.latencyMs,
  });

  // --- events ------------------------------------------------------------------------------------

  const emitRaw = (runId: number, event: RunEvent): void => {
    for (const [l, types] of listeners) {
      if (types !== null && !types.has(event.type)) continue;
      try {
        l(String(runId), event);
      } catch {
        // A front's listener failing must not break the run.
      }
    }
  };

  /** Tells running workers what to forward, when a change of listeners changed it. */
  const tellWorkers = (before: string): void => {
    const types = forwardTypes();
    if (JSON.stringify(types) === before) return;
    for (const a of active.values()) a.worker.postMessage({ type: 'forward', types } satisfies ParentMessage);
  };

  const emitContract = <K extends EventName>(name: K, payload: EventPayload<K>): void => {
    const set = contractListeners.get(name);
    if (!set) return;
    for (const l of set) {
      try {
        (l as (p: EventPayload<K>) => void)(payload);
      } catch {
        // as above
      }
    }
  };

  const flushContract = (runId: number, a: ActiveRun): void => {
    if (a.pendingTimer) {
      clearTimeout(a.pendingTimer);
      a.pendingTimer = undefined;
    }
    a.lastEmit = Date.now();
    if (a.changed.size > 0) {
      if (contractListeners.get('run:items')?.size) emitContract('run:items', { runId: String(runId), indexes: [...a.changed].sort((x, y) => x - y) });
      a.changed.clear();
    }
    if (!a.totals) return;
    const t = a.totals;
    const now = Date.now();
    const finishedNow = t.done + t.failed;
    a.samples.push({ t: now, finished: finishedNow });
    while (a.samples.length > 2 && now - a.samples[0].t > 30_000) a.samples.shift();
    const first = a.samples[0];
    const span = now - first.t;
    const perMinute = span > 0 ? ((finishedNow - first.finished) / span) * 60_000 : 0;
    const remaining = t.pending + t.running;
    emitContract('run:progress', {
      runId: String(runId),
      status: a.status,
      totals: t,
      concurrency: a.concurrency,
      itemsPerMinute: perMinute,
      etaMs: perMinute > 0 ? Math.round((remaining / perMinute) * 60_000) : null,
      latencyMs: a.latencyCount > 0 ? a.latencySum / a.latencyCount : null,
    });
    a.latencySum = 0;
    a.latencyCount = 0;
  };

  const scheduleContract = (runId: number, a: ActiveRun): void => {
    const wait = a.lastEmit + eventInterval - Date.now();
    if (wait <= 0) flushContract(runId, a);
    else a.pendingTimer ??= setTimeout(() => flushContract(runId, a), wait);
  };

  // --- workers -----------------------------------------------------------------------------------

  const launch = (run: RunRecord, start: StartOptions): RunInfo => {
    const runId = run.id;
    const owner = processOwner();
    db.transaction(() => {
      resetRunning(db, runId);
      resetSkipped(db, runId);
      claimRun(db, runId, owner);
    }).immediate();
    const init: WorkerInit = {
      dbPath,
      runId,
      apiKey: start.apiKey ?? options.apiKey?.() ?? process.env.OPENAI_API_KEY,
      baseURL: start.baseURL,
      ...options.worker,
      forward: forwardTypes(),
    };
    let worker: Worker;
    try {
      const warm = takeSpare();
      if (warm) warm.postMessage({ type: 'init', init } satisfies ParentMessage);
      worker = warm ?? startRunWorker(workerUrl, init);
    } catch (err) {
      markDead(runId, `could not start the run's worker: ${(err as Error).message}`);
      throw err;
    }
    let resolveDone!: (info: RunInfo) => void;
    const a: ActiveRun = {
      worker,
      status: 'running',
      done: new Promise((res) => (resolveDone = res)),
      ended: false,
      lastEmit: 0,
      changed: new Set(),
      concurrency: 0,
      latencySum: 0,
      latencyCount: 0,
      samples: [],
    };
    active.set(runId, a);

    // A worker that is alive but stuck (a loop that never yields, a native call that never returns)
    // would leave its run 'running' for good: one that has said nothing for too long is stopped.
    let lastHeard = Date.now();
    let silence: string | undefined;
    const watch = setInterval(() => {
      const quiet = Date.now() - lastHeard;
      if (quiet < workerSilence || silence) return;
      silence = `the run's worker stopped responding (nothing from it for ${Math.round(quiet / 1000)} s) and was stopped; resume to continue`;
      void worker.terminate();
    }, Math.max(50, Math.min(5000, workerSilence / 4)));
    watch.unref();

    const finish = (status: RunStatus, error: string | null, committedEnd = false): void => {
      if (a.ended) return;
      a.ended = true;
      clearInterval(watch);
      a.status = status;
      flushContract(runId, a);
      active.delete(runId);
      const info = readRun(db, runId);
      emitRaw(runId, { type: 'status', status, error });
      emitContract('run:finished', { runId: String(runId), status, error });
      if (committedEnd) windDown(worker);
      else void worker.terminate();
      resolveDone(info ? runInfoOf(info) : ({} as RunInfo));
    };

    worker.on('message', (m: WorkerMessage) => {
      lastHeard = Date.now();
      switch (m.type) {
        case 'events':
          a.totals = m.totals;
          a.concurrency = m.concurrency;
          a.latencySum += m.latencySum;
          a.latencyCount += m.latencyCount;
          for (const e of m.events) emitRaw(runId, e);
          for (const i of m.changed) a.changed.add(i);
          scheduleContract(runId, a);
          break;
        case 'status':
          a.status = m.status;
          a.totals = m.totals;
          emitRaw(runId, { type: 'status', status: m.status, error: null });
          flushContract(runId, a);
          break;
        case 'ended':
          a.totals = m.totals;
          if (isFinishStatus(m.status)) emitRaw(runId, { type: 'finished', status: m.status, ...(m.error ? { error: m.error } : {}) });
          finish(m.status, m.error, true);
          break;
        case 'fatal':
          if (!m.committed) markDead(runId, m.error);
          finish('interrupted', m.error);
          break;
      }
    });
    worker.on('error', (err) => {
      const message = `the run's worker crashed: ${err.message}; resume to continue`;
      markDead(runId, message);
      finish('interrupted', message);
    });
    const fault = workerFault();
    if (fault?.kind === 'terminate') setTimeout(() => void worker.terminate(), fault.afterMs).unref();
    worker.on('exit', (code) => {
      if (!a.ended) {
        const message = silence ?? `the run's worker stopped unexpectedly (exit code ${code}); resume to continue`;
        markDead(runId, message);
        finish('interrupted', message);
      }
    });

    emitRaw(runId, { type: 'status', status: 'running', error: null });
    return runInfoOf(readRun(db, runId)!);
  };

  /**
   * A worker whose run has ended syncs the run to the database file (a WAL checkpoint), then exits;
   * close() waits for it, so that the process never ends halfway through. One that takes longer
   * than WIND_DOWN_MS (a stalled disk) is stopped: what it committed is safe in the WAL.
   */
  const windDown = (worker: Worker): void => {
    const gone = new Promise<void>((resolve) => {
      const bound = setTimeout(() => void worker.terminate().finally(resolve), WIND_DOWN_MS);
      worker.once('exit', () => {
        clearTimeout(bound);
        resolve();
      });
    });
    exiting.add(gone);
    void gone.then(() => exiting.delete(gone));
  };

  /** The parent's only writes for a running run: when its worker died without committing its end. */
  const markDead = (runId: number, error: string): void => {
    try {
      db.transaction(() => {
        const r = readRun(db, runId);
        if (!r || (r.status !== 'running' && r.status !== 'paused')) return;
        resetRunning(db, runId);
        releaseRun(db, runId, 'interrupted', error, 0);
      }).immediate();
    } catch {
      // recoverInterrupted catches it at the next open
    }
  };

  /**
   * A write on this thread; when the database cannot be written (a read-only file or folder, a full
   * disk), a CallError that says so and what to do, instead of SQLite's bare message.
   */
  const writing = <T>(what: string, write: () => T): T => {
    try {
      return write();
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      if (typeof code === 'string' && code.startsWith('SQLITE_READONLY')) {
        throw conflict(`Cannot ${what}: the database ${dbPath} is read-only (${(err as Error).message}). Make the file and its folder writable, or use another database.`);
      }
      if (code === 'SQLITE_FULL') {
        throw conflict(`Cannot ${what}: the disk holding the database ${dbPath} is full (${(err as Error).message}). Free some space and try again.`);
      }
      throw err;
    }
  };

  const post = (runId: string, message: ParentMessage): ActiveRun => {
    const id = parseId('run', runId);
    const a = active.get(id);
    if (!a) {
      const r = runRecord(runId);
      throw conflict(`Run ${runId} is not running in this process (its status is ${r.status}).`);
    }
    a.worker.postMessage(message);
    return a;
  };

  const isAlive = (r: RunRecord): boolean => {
    if (active.has(r.id)) return true;
    const alive = ownerAlive(r.owner);
    if (alive === false) return false;
    if (r.owner === processOwner()) {
      // Claimed by this process but not by this service: another service instance here, alive while it beats.
      return r.heartbeatAt !== null && Date.now() - r.heartbeatAt < STALE_HEARTBEAT_MS;
    }
    if (alive === true) return true;
    return r.heartbeatAt !== null && Date.now() - r.heartbeatAt < STALE_HEARTBEAT_MS;
  };

  const recoverInterrupted = (): string[] => {
    const recovered: string[] = [];
    for (const r of runsWithStatus(db, ['running', 'paused'])) {
      if (isAlive(r)) continue;
      db.transaction(() => {
        const now = readRun(db, r.id);
        if (!now || (now.status !== 'running' && now.status !== 'paused') || now.owner !== r.owner) return;
        resetRunning(db, r.id);
        releaseRun(db, r.id, 'interrupted', 'the process running it stopped before it finished; resume to continue', 0, now.heartbeatAt ?? Date.now());
        recovered.push(String(r.id));
      }).immediate();
    }
    for (const d of staleImports(db)) {
      if (ownerAlive(d.owner) === false || (d.owner === processOwner() && !importing.has(d.id))) removeDataset(db, d.id);
    }
    return recovered;
  };

  const startable = (runId: string): RunRecord => {
    const r = runRecord(runId);
    if (active.has(r.id)) throw conflict(`Run ${runId} is already running.`);
    if (r.status === 'running' || r.status === 'paused') {
      if (isAlive(r)) throw conflict(`Run ${runId} is ${r.status} in another process (${r.owner ?? 'unknown'}).`);
      recoverInterrupted();
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
    return readRun(db, r.id)!;
  };

  // --- the service -------------------------------------------------------------------------------

  const service: RunService = {
    dbPath,

    async importDataset(file, o = {}) {
      const source = path.resolve(file);
      const id = writing(`import ${path.basename(source)}`, () => beginDataset(db, { name: o.name?.trim() || path.basename(source), sourcePath: source }));
      importing.add(id);
      let stored = 0;
      try {
        const { info } = await readCsv(
          source,
          (header) => setDatasetHeader(db, id, header),
          (rows) => {
            // Each batch is its own short transaction, so a run writing meanwhile is never held up
            // for the whole file; the dataset stays invisible until finishDataset.
            db.transaction(() => insertDatasetRows(db, id, stored, rows)).immediate();
            stored += rows.length;
            o.onProgress?.(stored);
          },
          { ragged: o.ragged },
        );
        db.transaction(() => {
          setDatasetHeader(db, id, info);
          finishDataset(db, id, stored, info.notes);
        }).immediate();
      } catch (err) {
        try {
          removeDataset(db, id);
        } catch {
          // recoverInterrupted deletes it at the next open
        }
        throw err;
      } finally {
        importing.delete(id);
      }
      checkpoint(db);
      return datasetSummaryOf(datasetOf(id));
    },

    listDatasets: () => allDatasets(db).map(datasetSummaryOf),

    datasetSummary(datasetId) {
      const d = datasetOf(parseId('dataset', datasetId));
      if (d.state !== 'ready') throw notFound(`Dataset ${datasetId} is still importing.`);
      return datasetSummaryOf(d);
    },

    datasetRows(datasetId, offset, limit) {
      const d = datasetOf(parseId('dataset', datasetId));
      return datasetRowsPage(db, d.id, Math.max(0, offset), Math.max(0, Math.min(limit, 5000)));
    },

    deleteDataset(datasetId) {
      const d = datasetOf(parseId('dataset', datasetId));
      try {
        removeDataset(db, d.id);
      } catch (err) {
        if (/FOREIGN KEY/.test(String(err))) throw conflict(`Dataset "${d.name}" is used by a run; delete its runs first.`);
        throw err;
      }
      datasetCache.delete(d.id);
    },

    createRun(p) {
      const dataset = datasetOf(parseId('dataset', p.datasetId));
      if (dataset.state !== 'ready') throw conflict(`Dataset ${p.datasetId} is still importing.`);
      const agentParsed = AgentSpecSchema.safeParse(p.agent);
      const optionsParsed = RunOptionsSchema.safeParse(p.options ?? {});
      if (!agentParsed.success || !optionsParsed.success) {
        const a = agentParsed.success ? { fields: [], details: [] } : zodFields('agent', agentParsed.error);
        const o = optionsParsed.success ? { fields: [], details: [] } : zodFields('options', optionsParsed.error);
        throw new CallError('bad-request', `Invalid run: ${[...a.details, ...o.details].join('; ')}`, [...a.fields, ...o.fields]);
      }
      const agent = agentParsed.data;
      const runOptions = optionsParsed.data;
      let render: ReturnType<typeof compileTemplate>;
      try {
        render = compileTemplate(agent.prompt);
      } catch (err) {
        if (err instanceof TemplateError) throw new CallError('bad-input', `The prompt template has an ${err.message}.`, ['agent.prompt']);
        throw err;
      }
      const missing = missingColumns(agent.prompt, dataset.columns);
      if (missing.length > 0) {
        throw new CallError('bad-input', promptColumnsMessage(missing, dataset.columns, `the dataset "${dataset.name}"`), ['agent.prompt']);
      }
      if (dataset.rowCount === 0) throw badInput(`The dataset "${dataset.name}" has a header but no rows: there is nothing to run.`);
      if (p.limit !== undefined && (!Number.isInteger(p.limit) || p.limit < 1)) {
        throw new CallError('bad-request', `limit must be a positive integer, not ${p.limit}.`, ['limit']);
      }
      const count = Math.min(dataset.rowCount, p.limit ?? dataset.rowCount);
      const columns = dataset.columns;
      const create = db.transaction(() => {
        const id = insertRun(db, {
          name: p.name?.trim() || `${agent.name} · ${dataset.name}`,
          datasetId: dataset.id,
          agent,
          options: runOptions,
          ...(p.endpoint ? { endpoint: p.endpoint } : {}),
          itemCount: count,
        });
        const row: Record<string, string> = {};
        insertItems(
          db,
          id,
          (function* () {
            for (const r of datasetRows(db, dataset.id, 0, count)) {
              for (let c = 0; c < columns.length; c++) row[columns[c]] = r.values[c] ?? '';
              yield { index: r.index, prompt: render(row) };
            }
          })(),
        );
        return id;
      });
      const runId = writing('create the run', () => create.immediate());
      return runInfoOf(readRun(db, runId)!);
    },

    start(runId, o = {}) {
      if (closed) throw conflict('The runs service is closed.');
      return writing(`start run ${runId}`, () => {
        const r = applyBudgets(startable(runId), o);
        if (o.endpoint) setRunEndpoint(db, r.id, o.endpoint);
        return launch(r, o);
      });
    },

    resume(runId, o = {}) {
      return service.start(runId, o);
    },

    retryFailed(runId, o = {}) {
      const r = startable(runId);
      writing(`retry the failed items of run ${runId}`, () => resetFailed(db, r.id));
      return service.start(runId, o);
    },

    pause(runId) {
      post(runId, { type: 'pause' });
    },

    resumePaused(runId) {
      post(runId, { type: 'resume' });
    },

    async cancel(runId) {
      const a = post(runId, { type: 'cancel' });
      return a.done;
    },

    async finished(runId) {
      const a = active.get(parseId('run', runId));
      if (a) return a.done;
      return runInfoOf(runRecord(runId));
    },

    isActive: (runId) => active.has(Number(runId)),

    listRuns: () => allRuns(db).map(runInfoOf),

    getRun: (runId) => runInfoOf(runRecord(runId)),

    itemsPage(q) {
      const r = runRecord(q.runId);
      const d = datasetOf(r.datasetId);
      const page = pageOfItems(db, {
        runId: r.id,
        offset: q.offset,
        limit: q.limit,
        status: q.status,
        search: q.search,
        sort: q.sort,
        inputColumns: d.columns,
        outputColumns: outputColumnsOf(r.agent),
      });
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
      };
    },

    async deleteRun(runId) {
      const r = runRecord(runId);
      const a = active.get(r.id);
      if (a) {
        a.worker.postMessage({ type: 'cancel' } satisfies ParentMessage);
        await a.done;
      } else if ((r.status === 'running' || r.status === 'paused') && isAlive(r)) {
        throw conflict(`Run ${runId} is ${r.status} in another process (${r.owner ?? 'unknown'}).`);
      }
      // In slices, yielding between them: a run of a million items takes seconds to delete, and
      // neither this thread nor another writer should wait that long in one go.
      while (deleteRunChunk(db, r.id, 20_000)) await new Promise((resolve) => setImmediate(resolve));
    },

    async exportRun(runId, file, format) {
      const r = runRecord(runId);
      const d = datasetOf(r.datasetId);
      const info = runInfoOf(r);
      const outputColumns = outputColumnsOf(r.agent);
      const t = info.totals;
      const settings: Array<[string, string | number | boolean | null]> = [
        ['Run', info.runId],
        ['Name', r.name],
        ['Status', r.status],
        ['Error', r.error],
        ['Dataset', d.name],
        ['Source file', d.sourcePath],
        ['Agent', r.agent.name],
        ['Model', r.agent.model],
        ['Base URL', r.agent.baseURL ?? null],
        ['System message', r.agent.systemMessage],
        ['Prompt', r.agent.prompt],
        ['Tools', (r.agent.tools ?? []).map((x) => x.name).join(', ') || null],
        ['Output columns', outputColumns.join(', ')],
        ['Batch size', r.options.batchSize],
        ['Sequential', r.options.sequential],
        ['Turns', r.options.turns ?? r.agent.turns ?? null],
        ['On error', r.options.onError],
        ['Max cost USD', r.options.maxCost ?? null],
        ['Max tokens', r.options.maxTokens ?? null],
        ['Requests per minute', r.options.rpm ?? null],
        ['Tokens per minute', r.options.tpm ?? null],
        ['Items', t.items],
        ['Done', t.done],
        ['Failed', t.failed],
        ['Skipped', t.skipped],
        ['Pending', t.pending + t.running],
        ['Prompt tokens', t.promptTokens],
        ['Completion tokens', t.completionTokens],
        ['Cost USD', t.costUsd],
        ['LLM calls', r.callCount],
        ['Created', info.createdAt],
        ['Started', info.startedAt],
        ['Finished', info.finishedAt],
        ['Active seconds', Math.round(r.activeMs / 100) / 10],
        ['Exported', new Date().toISOString()],
      ];
      const rows = runRows(db, r.id);
      // Loaded on first use: the spreadsheet writer is large and most sessions never export.
      const io = await import('../io/export/index.ts');
      return io.exportRun({ inputColumns: d.columns, outputColumns, rows, settings }, path.resolve(file), format ?? io.formatFromPath(file));
    },

    recoverInterrupted,

    subscribe(listener, o = {}) {
      const before = JSON.stringify(forwardTypes());
      listeners.set(listener, o.types ? new Set(o.types) : null);
      tellWorkers(before);
      return () => {
        const was = JSON.stringify(forwardTypes());
        listeners.delete(listener);
        tellWorkers(was);
      };
    },

    on(name, listener) {
      let set = contractListeners.get(name);
      if (!set) {
        set = new Set();
        contractListeners.set(name, set);
      }
      set.add(listener as (payload: never) => void);
      return () => set.delete(listener as (payload: never) => void);
    },

    prewarm() {
      if (closed || spare) return;
      try {
        spare = takeEarlyWorker(workerUrl) ?? startSpareWorker(workerUrl);
      } catch {
        // The next start starts its own worker.
      }
    },

    async close() {
      if (closed) return;
      closed = true;
      const unused = takeSpare();
      if (unused) void unused.terminate();
      const running = [...active.values()];
      for (const a of running) a.worker.postMessage({ type: 'cancel' } satisfies ParentMessage);
      await Promise.all(running.map((a) => a.done));
      await Promise.all(exiting);
      checkpoint(db);
      db.close();
    },

    async abandon(runId) {
      const a = active.get(parseId('run', runId));
      if (!a) return;
      // The worker's exit handler marks the run interrupted (markDead) once it is gone.
      await a.worker.terminate();
      await a.done;
    },
  };

  if (options.recover !== false && !options.readonly) recoverInterrupted();
  return service;
}

