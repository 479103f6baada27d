// The core facade: what every front calls. One handler per contract call (typed from the contract, so
// a call without a handler is a compile error) and one dispatch that checks the name, parses the
// request with the contract's schema before any handler runs, and turns whatever a handler throws into
// a ContractError. Runs go to the runs service (worker threads); this module only routes.
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { z } from 'zod';
import {
  calls,
  type CallName,
  type CallResponse,
  type Endpoint,
  type EventName,
  type EventPayload,
  type RunSummary,
} from '../../shared/contract.ts';
import { AgentSpecSchema, type AgentSpec } from '../../shared/domain.ts';
import { missingColumns, TemplateError } from '../../shared/template.ts';
import { promptColumnsMessage } from '../../shared/validation.ts';
import pkg from '../../package.json' with { type: 'json' };
import { badInput, badRequest, CallError, notFound, toContractError } from './errors.ts';
import { CsvImportError } from './io/csv/index.ts';
import { IntoWorkbookError } from './io/export/into-error.ts';
import { KeyError, normaliseBaseURL, type KeyStore } from './keys/index.ts';
import { createRunService, type RunInfo, type RunService, type StartOptions } from './runs/service.ts';
import { listSamples } from './samples.ts';
import { startSimulator, type Simulator, type SimulatorOptions } from './simulator/index.ts';
import { DB_FILE_NAME, userDataDir } from './store/paths.ts';
import { compareHandlers } from './compare/handlers.ts';
import { cacheHandlers } from './cache-calls.ts';
import { gridHandlers } from './grid-calls.ts';
import { endpointTestHandler } from './endpoint-test-call.ts';
import { exportIntoHandler } from './export-into-call.ts';

/** A call's request after parsing (defaults applied). */
export type ParsedRequest<K extends CallName> = z.output<(typeof calls)[K]['req']>;

export type Handlers = { [K in CallName]: (req: ParsedRequest<K>) => Promise<CallResponse<K>> | CallResponse<K> };

export type EventListener = <K extends EventName>(name: K, payload: EventPayload<K>) => void;

export interface CoreOptions {
  /** The per-user data folder; default: the same one the CLI uses. */
  dataDir?: string;
  /** Default: <dataDir>/rowrunner.db. */
  dbPath?: string;
  front: 'electron' | 'served';
  keyStore: KeyStore;
  /** Bundled samples; default: resources/samples of this checkout or package. */
  samplesDir?: string;
  /** The built-in simulated endpoint's behaviour (latency etc.). */
  simulator?: SimulatorOptions;
  /** The runs service's worker entry (a bundled build passes its own). */
  workerUrl?: URL;
  log?: (line: string) => void;
}

export interface Core {
  handlers: Handlers;
  /** Checks, parses and runs a call; rejects with a CallError (see toContractError). */
  dispatch(name: string, request: unknown): Promise<unknown>;
  onEvent(listener: EventListener): () => void;
  /** Files that pass through the served bridge: uploaded CSVs, exports to download. */
  files: {
    addUpload(file: string, name: string): string;
    download(id: string): { path: string; name: string } | undefined;
  };
  /** This session's scratch folder (uploads, served exports); removed by close(). */
  tempDir: string;
  runs: RunService;
  dataDir: string;
  dbPath: string;
  close(): Promise<void>;
}

const OPENAI_BASE_URL = 'https://api.openai.com/v1';
/** Rows per page when streaming a dataset (estimate). */
const PAGE = 1000;

/** The package root: two levels up from electron/core/ in a checkout, and from out/main/ in a bundle. */
function packageRoot(): string {
  return path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
}

function defaultSimulatorOptions(): SimulatorOptions {
  const latency = Number(process.env.ROWRUNNER_SIMULATOR_LATENCY_MS ?? NaN);
  const jitter = Number(process.env.ROWRUNNER_SIMULATOR_JITTER_MS ?? NaN);
  // Like a real endpoint, roughly: a few hundred milliseconds per answer.
  return { latencyMs: Number.isFinite(latency) ? latency : 150, latencyJitterMs: Number.isFinite(jitter) ? jitter : 300 };
}

export function createCore(options: CoreOptions): Core {
  const log = options.log ?? (() => {});
  const dataDir = path.resolve(options.dataDir ?? (options.dbPath ? path.dirname(path.resolve(options.dbPath)) : userDataDir()));
  const dbPath = path.resolve(options.dbPath ?? path.join(dataDir, DB_FILE_NAME));
  mkdirSync(dataDir, { recursive: true });
  const samplesDir = options.samplesDir ?? path.join(packageRoot(), 'resources', 'samples');
  const keys = options.keyStore;
  const front = options.front;
  const tempDir = mkdtempSync(path.join(os.tmpdir(), 'rowrunner-'));

  const runs = createRunService({ dbPath, ...(options.workerUrl ? { workerUrl: options.workerUrl } : {}), apiKey: () => undefined, tuneHeapForWorkers: true });

  const listeners = new Set<EventListener>();
  const emit: EventListener = (name, payload) => {
    for (const l of listeners) {
      try {
        l(name, payload);
      } catch (e) {
        log(`an event listener failed: ${String(e)}`);
      }
    }
  };
  const unsubscribe = [
    runs.on('run:progress', (p) => emit('run:progress', p)),
    runs.on('run:items', (p) => emit('run:items', p)),
    runs.on('run:finished', (p) => emit('run:finished', p)),
  ];

  // uploads and downloads, by random id
  const uploads = new Map<string, { path: string; name: string }>();
  const downloads = new Map<string, { path: string; name: string }>();
  const newId = () => randomBytes(16).toString('base64url');

  let simulator: Promise<Simulator> | null = null;
  const simulatorUrl = async (): Promise<string> => {
    simulator ??= startSimulator({ ...defaultSimulatorOptions(), ...options.simulator });
    try {
      return (await simulator).url;
    } catch (e) {
      simulator = null;
      throw e;
    }
  };

  /** The key and base URL a session uses for an endpoint; the key only travels to the run's worker. */
  async function connection(endpoint: Endpoint, agent: AgentSpec): Promise<StartOptions> {
    switch (endpoint.kind) {
      case 'simulated':
        return { baseURL: await simulatorUrl(), apiKey: 'simulated' };
      case 'openai': {
        const key = keys.get(endpoint);
        if (!key) throw badInput('No OpenAI API key is set: add one on the Agent screen (or set OPENAI_API_KEY before starting Rowrunner).');
        return { baseURL: OPENAI_BASE_URL, apiKey: key };
      }
      case 'custom': {
        const baseURL = endpoint.baseURL ?? agent.baseURL;
        if (!baseURL) throw new CallError('bad-request', 'A custom endpoint needs a base URL.', ['endpoint.baseURL']);
        // Never fall back to the OpenAI key for another server: a keyless local server gets a placeholder.
        return { baseURL: normaliseBaseURL(baseURL), apiKey: keys.get({ kind: 'custom', baseURL }) ?? 'no-key' };
      }
    }
  }

  /** The endpoint to continue a run with: the one given, the one it was started with, else the agent's. */
  function endpointFor(run: RunInfo, given: Endpoint | undefined): Endpoint {
    if (given) return given;
    if (run.endpoint) return run.endpoint;
    if (run.agent.baseURL) return { kind: 'custom', baseURL: run.agent.baseURL };
    return { kind: 'openai' };
  }

  // Loaded on first use, like the estimate: the engine's budget module brings the tokenizer's tables.
  const budgetCheck = () => import('./estimate/budget-check.ts');

  function summary(info: RunInfo): RunSummary {
    const { activeMs: _a, calls: _c, active: _x, ...rest } = info;
    return rest;
  }

  async function* datasetPages(datasetId: string, count: number): AsyncGenerator<string[][]> {
    for (let offset = 0; offset < count; offset += PAGE) {
      yield runs.datasetRows(datasetId, offset, Math.min(PAGE, count - offset));
    }
  }

  function checkPrompt(agent: AgentSpec, columns: readonly string[]): void {
    let missing: string[];
    try {
      missing = missingColumns(agent.prompt, columns);
    } catch (e) {
      if (e instanceof TemplateError) throw new CallError('bad-input', `The prompt template has an ${e.message}.`, ['agent.prompt']);
      throw e;
    }
    if (missing.length) {
      throw new CallError('bad-input', promptColumnsMessage(missing, columns, 'the dataset'), ['agent.prompt']);
    }
  }

  // Runs side by side and renaming a run: their handlers live in compare/handlers.ts.
  const compare = compareHandlers({
    runs,
    front,
    async forDownload(name, write) {
      const file = path.join(tempDir, 'exports', newId(), name);
      mkdirSync(path.dirname(file), { recursive: true });
      const written = await write(file);
      const id = newId();
      downloads.set(id, { path: file, name });
      return { rows: written.rows, downloadUrl: `/download/${id}` };
    },
  });

  const handlers: Handlers = {
    'app:info': () => ({ version: pkg.version, front, dataDir, keys: keys.status() }),

    'key:set': ({ endpoint, key }) => {
      if (endpoint.kind === 'simulated') throw new CallError('bad-request', 'The simulated endpoint takes no key.', ['endpoint.kind']);
      if (endpoint.kind === 'custom' && !endpoint.baseURL) throw new CallError('bad-request', 'A custom endpoint needs a base URL.', ['endpoint.baseURL']);
      try {
        keys.set(endpoint, key.trim());
      } catch (e) {
        if (e instanceof KeyError) throw badInput(e.message);
        throw e;
      }
      return { ok: true };
    },

    'key:clear': ({ endpoint }) => {
      keys.clear(endpoint);
      return { ok: true };
    },

    'dataset:import': async ({ source, name, ragged, sheet }) => {
      let file: string;
      let fallbackName: string;
      if (source.kind === 'upload') {
        if (front !== 'served') throw new CallError('bad-request', 'Uploads are only used by the served app; pass a path.', ['source.kind']);
        const upload = uploads.get(source.uploadId);
        if (!upload) throw notFound('That upload is gone (the server may have restarted); choose the file again.');
        file = upload.path;
        fallbackName = upload.name;
      } else {
        if (front === 'served') throw new CallError('bad-request', 'The served app imports uploaded files only.', ['source.kind']);
        file = source.path;
        fallbackName = path.basename(source.path);
      }
      const dataset = await runs.importDataset(file, { name: name?.trim() || fallbackName, ...(ragged ? { ragged } : {}), ...(sheet ? { sheet } : {}) });
      // A header without rows is nothing to run: one message, and the dataset is not kept.
      if (dataset.rowCount === 0) {
        runs.deleteDataset(dataset.id);
        throw badInput(`${dataset.name} has a header but no rows, so there is nothing to run: add rows and import it again.`);
      }
      return dataset;
    },

    'dataset:rows': ({ datasetId, offset, limit }) => ({ rows: runs.datasetRows(datasetId, offset, limit) }),

    'dataset:samples': () => listSamples(samplesDir).map(({ id, title, description }) => ({ id, title, description })),

    'dataset:loadSample': async ({ sampleId }) => {
      const sample = listSamples(samplesDir).find((s) => s.id === sampleId);
      if (!sample) throw notFound(`No sample "${sampleId}".`);
      const parsed = AgentSpecSchema.safeParse(JSON.parse(readFileSync(sample.agent, 'utf8')));
      if (!parsed.success) throw new CallError('internal', `The sample's agent is not valid: ${parsed.error.issues[0]?.message ?? ''}`);
      const dataset = await runs.importDataset(sample.csv, { name: sample.title });
      return { dataset, agent: parsed.data };
    },

    'run:estimate': async ({ datasetId, agent, options: runOptions, limit }) => {
      const dataset = runs.datasetSummary(datasetId);
      checkPrompt(agent, dataset.columns);
      const count = Math.min(dataset.rowCount, limit ?? dataset.rowCount);
      // Loaded on first use: the tokenizer's tables are large.
      const [{ estimateRun }, { budgetProblems }] = await Promise.all([import('./estimate/index.ts'), import('./estimate/budget-check.ts')]);
      let cheapest: number | null = null;
      const onRow = (tokens: number) => {
        if (cheapest === null || tokens < cheapest) cheapest = tokens;
      };
      const estimate = await estimateRun({ agent, columns: dataset.columns, pages: datasetPages(datasetId, count), onRow });
      return { ...estimate, budgetProblems: budgetProblems(agent, runOptions, estimate, cheapest) };
    },

    'run:start': async ({ datasetId, agent, options: runOptions, endpoint, limit }) => {
      (await budgetCheck()).refuseUnkeptBudget(agent, runOptions);
      const conn = await connection(endpoint, agent);
      const created = runs.createRun({
        datasetId,
        agent,
        options: runOptions,
        endpoint,
        ...(limit ? { limit, name: `${agent.name} · trial of ${limit}` } : {}),
      });
      runs.start(created.runId, conn);
      return { runId: created.runId };
    },

    'run:pause': ({ runId }) => {
      runs.pause(runId);
      return { ok: true };
    },

    'run:unpause': ({ runId }) => {
      runs.unpause(runId);
      return { ok: true };
    },

    'run:cancel': async ({ runId }) => {
      await runs.cancel(runId);
      return { ok: true };
    },

    'run:continue': async ({ runId, endpoint, maxCost, maxTokens }) => {
      const run = runs.getRun(runId);
      (await budgetCheck()).refuseUnkeptBudget(run.agent, { maxCost: maxCost ?? run.options.maxCost });
      const chosen = endpointFor(run, endpoint);
      const conn = await connection(chosen, run.agent);
      runs.resume(runId, {
        ...conn,
        ...(endpoint ? { endpoint } : {}),
        ...(maxCost !== undefined ? { maxCost } : {}),
        ...(maxTokens !== undefined ? { maxTokens } : {}),
      });
      return { ok: true };
    },

    'run:retryFailed': async ({ runId, endpoint, only }) => {
      const run = runs.getRun(runId);
      const chosen = endpointFor(run, endpoint);
      runs.retryFailed(runId, { ...(await connection(chosen, run.agent)), ...(endpoint ? { endpoint } : {}), ...(only ? { only } : {}) });
      return { ok: true };
    },

    'run:delete': async ({ runId }) => {
      await runs.deleteRun(runId);
      return { ok: true };
    },

    'run:get': ({ runId }) => summary(runs.getRun(runId)),

    'runs:list': () => runs.listRuns().map(summary),

    'items:page': (query) => runs.itemsPage(query),

    'item:detail': ({ runId, index }) => {
      const { skipReason: _s, calls: _c, ...detail } = runs.itemDetail(runId, index);
      return detail;
    },

    'run:export': async ({ runId, format, path: target }) => {
      if (front === 'served') {
        const run = runs.getRun(runId);
        const dir = path.join(tempDir, 'exports', newId());
        mkdirSync(dir, { recursive: true });
        const name = `${run.name.replace(/[\\/:*?"<>|\u0000-\u001f]+/g, '_').slice(0, 120) || 'results'}.${format}`;
        const written = await runs.exportRun(runId, path.join(dir, name), format);
        const id = newId();
        downloads.set(id, { path: written.path, name });
        return { rows: written.rows, downloadUrl: `/download/${id}` };
      }
      if (!target) throw new CallError('bad-request', 'Where to save the export: a path is needed.', ['path']);
      const written = await runs.exportRun(runId, target, format);
      return { rows: written.rows, path: written.path };
    },

    ...gridHandlers(runs),
    ...compare,
    ...exportIntoHandler({ front, runs, tempDir, uploads, downloads, newId }),

    ...endpointTestHandler((endpoint) => !!keys.get(endpoint), connection),
    ...cacheHandlers(() => runs),
    // Runs that build on each other (see runs/rerun.ts and runs/from-run.ts).
    'dataset:get': ({ datasetId }) => runs.datasetSummary(datasetId),

    'run:rerunRows': async ({ runId, rows, filter, endpoint, noCache }) => {
      const run = runs.getRun(runId);
      const conn = await connection(endpointFor(run, endpoint), run.agent);
      runs.rerunRows(runId, rows ? { rows } : { filter: filter ?? {} }, { ...conn, ...(endpoint ? { endpoint } : {}), ...(noCache ? { noCache } : {}) });
      return { ok: true };
    },

    'run:failureCounts': ({ runId }) => runs.failureCounts(runId),
  };

  async function dispatch(name: string, request: unknown): Promise<unknown> {
    if (typeof name !== 'string' || !Object.hasOwn(calls, name)) {
      throw new CallError('bad-request', `Unknown call: ${String(name).slice(0, 100)}`, ['call']);
    }
    const call = name as CallName;
    let parsed: ReturnType<(typeof calls)[CallName]['req']['safeParse']>;
    try {
      parsed = calls[call].req.safeParse(request ?? {});
    } catch {
      // Only a caller in this process can pass what throws when read (a getter, a proxy); no bridge can.
      throw new CallError('bad-request', `Malformed ${call} request: it cannot be read.`, ['(request)']);
    }
    if (!parsed.success) throw badRequest(call, parsed.error);
    try {
      const handler = handlers[call] as (req: unknown) => unknown;
      return await handler(parsed.data);
    } catch (e) {
      throw classify(call, e, log);
    }
  }

  let closing: Promise<void> | null = null;
  return {
    handlers,
    dispatch,
    onEvent(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    files: {
      addUpload(file, name) {
        const id = newId();
        uploads.set(id, { path: file, name });
        return id;
      },
      download: (id) => downloads.get(id),
    },
    tempDir,
    runs,
    dataDir,
    dbPath,
    close() {
      closing ??= (async () => {
        for (const u of unsubscribe) u();
        listeners.clear();
        await runs.close();
        if (simulator) await (await simulator.catch(() => null))?.close();
        rmSync(tempDir, { recursive: true, force: true });
      })();
      return closing;
    },
  };
}

/** What a handler threw, as a CallError: known failures keep their message, the rest become 'internal'. */
export function classify(call: string, e: unknown, log: (line: string) => void = () => {}): CallError {
  if (e instanceof CallError) return e;
  if (e instanceof IntoWorkbookError) return new CallError('bad-input', e.message);
  if (e instanceof CsvImportError) {
    const where = e.line !== undefined && !/\bline\b/i.test(e.message) ? ` (line ${e.line})` : '';
    return new CallError('bad-input', `${e.message}${where}`, undefined, e.code === 'ragged' ? 'ragged-rows' : undefined);
  }
  if (e instanceof TemplateError) return new CallError('bad-input', `The prompt template has an ${e.message}.`, ['agent.prompt']);
  const code = (e as NodeJS.ErrnoException | null)?.code;
  if (code === 'ENOENT' || code === 'ENOTDIR') return new CallError('not-found', 'The file was not found.');
  if (code === 'ENAMETOOLONG' || code === 'ELOOP') return new CallError('bad-input', 'That is not a usable file name (too long, or a loop of links).');
  if (code === 'EACCES' || code === 'EPERM') return new CallError('bad-input', 'Rowrunner may not read or write that file.');
  if (code === 'EISDIR') return new CallError('bad-input', 'That is a folder, not a file.');
  log(`${call} failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
  return new CallError('internal', toContractError(e).message);
}
