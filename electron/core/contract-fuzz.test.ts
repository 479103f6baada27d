// Every contract call fuzzed, below the served bridge (whose own fuzz test drives the WebSocket):
// straight into the core's dispatch, in both fronts, with values no JSON carries too; and through the
// Electron IPC binding with what structured clone carries. Requests are random, hostile, and valid
// ones with one field made hostile, so they reach the handlers with real ids. Every answer is a
// typed ContractError that is not 'internal', or a response the contract allows; none hangs; the
// process does not crash, and no prototype is polluted.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { calls, ContractErrorSchema, type CallName } from '../../shared/contract.ts';
import { bindIpc, sameFileUrl, type InvokeEventLike, type IpcMainLike } from '../main/ipc.ts';
import { CHOSEN_FILE_CHANNEL, INVOKE_CHANNEL } from '../main/channels.ts';
import { createCore, type Core } from './core.ts';
import { CallError } from './errors.ts';
import { createMemoryKeyStore } from './keys/index.ts';
import { deep, HOSTILE_JSON, HOSTILE_STRINGS, hostileCloneable, hostileNonJson, mutations, pick, randomValue, seeded, type Rand } from './testing/fuzz.ts';

const HANG_MS = 15_000;
const CALLS = Object.keys(calls) as CallName[];
const KEYS = ['runId', 'datasetId', 'offset', 'limit', 'agent', 'options', 'endpoint', 'source', 'kind', 'path', 'uploadId', 'format', 'key', 'index', 'status', 'search', 'sort', 'sampleId', 'name', 'model', 'prompt', 'tools', '__proto__', 'constructor'];

let root: string;
let cwd: string;
const cores: Record<'electron' | 'served', Core> = {} as never;
const ids: Record<'electron' | 'served', { datasetId: string; runId: string; twinRunId: string; spareRunId: string; slowRunId: string; slowDatasetId: string; uploadId: string; sampleId: string; bookUploadId: string }> = {} as never;
let csv: string;
let book: string;
let fifo: string | null = null;

beforeAll(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'rr-fuzz-'));
  // Relative paths a fuzzed export names land in here, never in the checkout.
  cwd = path.join(root, 'a', 'b', 'c');
  fs.mkdirSync(cwd, { recursive: true });
  process.chdir(cwd);
  csv = path.join(root, 'q.csv');
  fs.writeFileSync(csv, 'q,n\nfirst,1\nsecond,2\n');
  if (process.platform !== 'win32') {
    fifo = path.join(root, 'pipe.csv');
    execFileSync('mkfifo', [fifo]);
  }
  // The workbook "Add answers to my spreadsheet" adds to: the rows of q.csv.
  book = path.join(root, 'q.xlsx');
  const wb = new ExcelJS.Workbook();
  wb.addWorksheet('Q').addRows([['q', 'n'], ['first', 1], ['second', 2]]);
  await wb.xlsx.writeFile(book);
  for (const front of ['electron', 'served'] as const) {
    const core = createCore({ dataDir: path.join(root, front), front, keyStore: createMemoryKeyStore({}), simulator: { latencyMs: 0, latencyJitterMs: 0 } });
    cores[front] = core;
    const uploadId = core.files.addUpload(csv, 'q.csv');
    const source = front === 'served' ? { kind: 'upload', uploadId } : { kind: 'path', path: csv };
    const ds = (await core.dispatch('dataset:import', { source })) as { id: string };
    const start = { datasetId: ds.id, agent: { name: 'f', model: 'gpt-4o-mini', prompt: '{{q}}' }, options: {}, endpoint: { kind: 'simulated' } };
    const run = (await core.dispatch('run:start', start)) as { runId: string };
    await core.runs.finished(run.runId);
    // A second run over the same rows, for the comparison calls.
    const twin = (await core.dispatch('run:start', start)) as { runId: string };
    await core.runs.finished(twin.runId);
    const samples = (await core.dispatch('dataset:samples', {})) as { id: string }[];
    const slow = path.join(root, 'slow.csv');
    fs.writeFileSync(slow, 'q\nslow [[sleep:60000]]\n');
    const slowSource = front === 'served' ? { kind: 'upload', uploadId: core.files.addUpload(slow, 'slow.csv') } : { kind: 'path', path: slow };
    const slowDs = (await core.dispatch('dataset:import', { source: slowSource })) as { id: string };
    ids[front] = { datasetId: ds.id, runId: run.runId, twinRunId: twin.runId, spareRunId: '', slowRunId: '', slowDatasetId: slowDs.id, uploadId, sampleId: samples[0]?.id ?? 'none', bookUploadId: core.files.addUpload(book, 'q.xlsx') };
  }
});

/**
 * Runs for the calls that change a run: one that stays running (its one item sleeps a minute) for
 * pause, resume and cancel, and a finished one to delete.
 */
async function freshRuns(front: 'electron' | 'served'): Promise<void> {
  const agent = { name: 'slow', model: 'gpt-4o-mini', prompt: '{{q}}' };
  const start = (datasetId: string) => cores[front].dispatch('run:start', { datasetId, agent, options: {}, endpoint: { kind: 'simulated' } }) as Promise<{ runId: string }>;
  ids[front].slowRunId = (await start(ids[front].slowDatasetId)).runId;
  ids[front].spareRunId = (await start(ids[front].datasetId)).runId;
  await cores[front].runs.finished(ids[front].spareRunId);
}

afterAll(async () => {
  process.chdir(path.resolve(import.meta.dirname, '..', '..'));
  for (const core of Object.values(cores)) await core?.close();
  fs.rmSync(root, { recursive: true, force: true });
});

/** One valid request per call (a call added to the contract is a compile error here until listed). */
function validRequests(front: 'electron' | 'served'): Record<CallName, Record<string, unknown>> {
  const { datasetId, runId, twinRunId, spareRunId, slowRunId, uploadId, sampleId } = ids[front];
  const agent = {
    name: 'fuzz',
    model: 'gpt-4o-mini',
    systemMessage: 'Be brief.',
    prompt: 'Answer {{q}}',
    tools: [{ name: 'answer', description: 'd', parameters: { type: 'object', properties: { a: { type: 'string' } } } }],
    doneIfTool: true,
    output: { a: 'a' },
    turns: 2,
    temperature: 0,
    maxTokensPerCall: 50,
    pricing: { inputPerMTok: 1, outputPerMTok: 1 },
  };
  const start = { datasetId, agent, options: { batchSize: 2, onError: 'continue', maxCost: 1 }, endpoint: { kind: 'simulated' }, limit: 1 };
  return {
    'app:info': {},
    'key:set': { endpoint: { kind: 'custom', baseURL: 'http://127.0.0.1:9/v1' }, key: 'sk-fuzz' },
    'key:clear': { endpoint: { kind: 'custom', baseURL: 'http://127.0.0.1:9/v1' } },
    'dataset:import': { source: front === 'served' ? { kind: 'upload', uploadId } : { kind: 'path', path: csv }, name: 'fuzzed', ragged: 'pad' },
    'dataset:rows': { datasetId, offset: 0, limit: 10 },
    'dataset:samples': {},
    'dataset:loadSample': { sampleId },
    'run:estimate': start,
    'run:start': start,
    'run:pause': { runId: slowRunId },
    'run:unpause': { runId: slowRunId },
    'run:cancel': { runId: slowRunId },
    'run:continue': { runId, endpoint: { kind: 'simulated' }, maxCost: 5, maxTokens: 100_000 },
    'run:retryFailed': { runId, endpoint: { kind: 'simulated' } },
    'run:delete': { runId: spareRunId },
    'run:get': { runId },
    'runs:list': {},
    'items:page': { runId, offset: 0, limit: 10, status: 'done', search: 'first', sort: { column: 'q', desc: true } },
    'item:detail': { runId, index: 0 },
    'run:export': front === 'served' ? { runId, format: 'csv' } : { runId, format: 'csv', path: 'export.csv' },
    'item:mark': { runId, index: 0, rating: 'up', note: 'checked' },
    'items:indexes': { runId, status: 'done', filters: [{ kind: 'text', column: { source: 'input', name: 'q' }, contains: 'first' }] },
    'items:distributions': { runId },
    'run:rename': { runId, name: 'renamed' },
    'compare:summary': { runIds: [runId, twinRunId] },
    'compare:page': { runIds: [runId, twinRunId], offset: 0, limit: 10, onlyDiffering: true },
    'compare:export': front === 'served' ? { runIds: [runId, twinRunId], format: 'jsonl' } : { runIds: [runId, twinRunId], format: 'jsonl', path: 'compare.jsonl' },
    'run:exportInto': { runId, source: front === 'served' ? { kind: 'upload', uploadId: ids[front].bookUploadId } : { kind: 'path', path: book }, sheet: 'Q' },
    'endpoint:test': { endpoint: { kind: 'simulated' } },
    'cache:size': {},
    'cache:entries': { offset: 0, limit: 10 },
    'cache:clear': { olderThanDays: 30 },
    'dataset:get': { datasetId },
    'run:rerunRows': { runId, rows: [0], endpoint: { kind: 'simulated' } },
    'run:failureCounts': { runId },
  };
}

/** Requests for one call: whole-request junk, random values, and the valid request with each field made hostile. */
function requestsFor(name: CallName, valid: Record<string, unknown>, rand: Rand, atoms: readonly unknown[], random = 12): unknown[] {
  const out: unknown[] = [...atoms.filter((a) => typeof a !== 'string').slice(0, 12), deep(100_000)];
  for (let i = 0; i < random; i++) out.push(randomValue(rand, atoms, KEYS));
  out.push(...mutations(valid, rand, atoms, 2));
  // Values deep inside fields the schema leaves open (a tool's parameters, an output's arguments).
  if (name === 'run:start' || name === 'run:estimate') {
    const agent = valid.agent as Record<string, unknown>;
    const tool = (agent.tools as Record<string, unknown>[])[0];
    for (const v of [deep(100_000), deep(2_000), { $ref: '#' }, { type: 'object', properties: { a: deep(5_000) } }]) {
      out.push({ ...valid, agent: { ...agent, tools: [{ ...tool, parameters: { type: 'object', x: v } }] } });
    }
  }
  return out;
}

/** Paths that must be refused (or read) at once, never waited on. */
function hostilePaths(): string[] {
  return ['/dev/zero', '/dev/urandom', '/dev/null', '/dev/stdin', '/', root, path.join(root, 'missing.csv'), `${csv}\u0000.txt`, 'x'.repeat(4096), ...(fifo ? [fifo] : [])];
}

interface Outcome {
  ok: boolean;
  value?: unknown;
  error?: { code: string; message: string; fields?: string[] };
}

async function within<T>(p: Promise<T>, what: () => string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer in ${HANG_MS} ms: ${what()}`)), HANG_MS)));
  try {
    return await Promise.race([p, hang]);
  } finally {
    clearTimeout(timer);
  }
}

function describeRequest(req: unknown): string {
  try {
    return (JSON.stringify(req, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v)) ?? String(req)).slice(0, 300);
  } catch (e) {
    try {
      return `${Object.prototype.toString.call(req)} (${e instanceof RangeError ? 'deeply nested' : 'not JSON'})`;
    } catch {
      return '(unreadable)';
    }
  }
}

function check(name: string, req: unknown, outcome: Outcome): void {
  const where = `${name} ${describeRequest(req)}`;
  if (outcome.ok) {
    const schema = (calls as Record<string, { res: { safeParse(x: unknown): { success: boolean; error?: unknown } } }>)[name]?.res;
    expect(schema, `${where}: answered a call that does not exist`).toBeDefined();
    const parsed = schema!.safeParse(outcome.value);
    expect(parsed.success, `${where}: answered outside the contract: ${String(parsed.error)}`).toBe(true);
    return;
  }
  expect(ContractErrorSchema.safeParse(outcome.error).success, `${where}: ${describeRequest(outcome.error)}`).toBe(true);
  expect(outcome.error!.code, `${where}: ${outcome.error!.message}`).not.toBe('internal');
}

async function viaDispatch(core: Core, name: unknown, req: unknown): Promise<Outcome> {
  try {
    return { ok: true, value: await within(core.dispatch(name as string, req), () => `${String(name)} ${describeRequest(req)}`) };
  } catch (e) {
    if (e instanceof Error && e.message.startsWith('no answer in')) throw e;
    expect(e, `${String(name)} ${describeRequest(req)} threw ${String(e)}`).toBeInstanceOf(CallError);
    return { ok: false, error: (e as CallError).toContractError() };
  }
}

const junkNames = (): unknown[] => [undefined, null, 42, {}, [], '', 'unknown:call', '__proto__', 'constructor', 'toString', 'hasOwnProperty', 'app:info ', 'APP:INFO', 'run:start\u0000', Symbol('call'), 10n];

describe.each(['electron', 'served'] as const)('dispatch, %s front', (front) => {
  it('answers every call, whatever the request, with a typed error or a valid response', async () => {
    const core = cores[front];
    await freshRuns(front);
    const rand = seeded(front === 'electron' ? 7 : 11);
    const atoms = [...HOSTILE_JSON, ...hostileNonJson()];
    let answered = 0;
    const okCalls = new Set<string>();
    for (const name of CALLS) {
      // A run continued by the call before may still be finishing: the valid request must not meet a conflict.
      await core.runs.finished(ids[front].runId);
      const valid = validRequests(front)[name];
      for (const req of requestsFor(name, valid, rand, atoms)) {
        const outcome = await viaDispatch(core, name, req);
        check(name, req, outcome);
        if (outcome.ok) okCalls.add(name);
        answered++;
      }
    }
    for (const name of junkNames()) {
      const outcome = await viaDispatch(core, name, {});
      expect(outcome, String(name)).toMatchObject({ ok: false, error: { code: 'bad-request' } });
    }
    if (front === 'electron') {
      for (const p of hostilePaths()) {
        const outcome = await viaDispatch(core, 'dataset:import', { source: { kind: 'path', path: p } });
        check('dataset:import', { path: p }, outcome);
      }
    }
    // The valid requests reached their handlers: every call answered at least once.
    expect([...okCalls].sort()).toEqual([...CALLS].sort());
    expect(answered).toBeGreaterThan(CALLS.length * 30);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('polluted');
    // Still serving.
    expect((await viaDispatch(core, 'app:info', {})).ok).toBe(true);
  });
});

class FakeIpcMain implements IpcMainLike {
  handler?: (event: InvokeEventLike, ...args: unknown[]) => unknown;
  chosen?: (event: InvokeEventLike, ...args: unknown[]) => void;
  handle(channel: string, listener: (event: InvokeEventLike, ...args: unknown[]) => unknown) {
    if (channel === INVOKE_CHANNEL) this.handler = listener;
  }
  removeHandler() {
    this.handler = undefined;
  }
  on(channel: string, listener: (event: InvokeEventLike, ...args: unknown[]) => void) {
    if (channel === CHOSEN_FILE_CHANNEL) this.chosen = listener;
  }
  removeListener() {
    this.chosen = undefined;
  }
}

describe('the IPC binding', () => {
  it('answers every call from our page, whatever structured clone carries, with a typed error or a valid response', async () => {
    const pageUrl = pathToFileURL(path.join(root, 'out', 'renderer', 'index.html')).href;
    const ipc = new FakeIpcMain();
    const asked: string[] = [];
    bindIpc({
      ipcMain: ipc,
      core: cores.electron,
      isTrustedUrl: (u) => sameFileUrl(u, pageUrl),
      askExportPath: async (runId) => {
        asked.push(runId);
        return asked.length % 2 ? null : path.join(root, 'chosen.csv');
      },
    });
    const invoke = async (name: unknown, req: unknown, url: string | null = pageUrl): Promise<Outcome> => {
      const reply = (await within(Promise.resolve(ipc.handler!({ senderFrame: url === null ? null : { url, parent: null } }, name, req)), () => `${String(name)} ${describeRequest(req)}`)) as
        | { ok: true; res: unknown }
        | { ok: false; error: Outcome['error'] };
      expect(reply, `${String(name)}: not an envelope`).toMatchObject({ ok: expect.any(Boolean) });
      return reply.ok ? { ok: true, value: reply.res } : { ok: false, error: reply.error };
    };
    await freshRuns('electron');
    const rand = seeded(23);
    const atoms = [...HOSTILE_JSON, ...hostileCloneable()];
    // The user chose the dataset's file (the preload reports it), and the preload sends junk too, so
    // that hostile names reach the core as well as being refused for not being chosen.
    ipc.chosen!({ senderFrame: { url: pageUrl, parent: null } }, csv);
    ipc.chosen!({ senderFrame: { url: pageUrl, parent: null } }, book);
    for (const junk of atoms) ipc.chosen!({ senderFrame: { url: pageUrl, parent: null } }, junk);
    const okCalls = new Set<string>();
    for (const name of CALLS) {
      await cores.electron.runs.finished(ids.electron.runId);
      const valid = validRequests('electron')[name];
      if (name === 'run:export' || name === 'compare:export') delete valid.path; // the binding asks for it
      for (const req of requestsFor(name, valid, rand, atoms, 8)) {
        const outcome = await invoke(name, req);
        check(name, req, outcome);
        if (outcome.ok) okCalls.add(name);
        // The same request from any other frame is refused before it is read.
        if (rand() < 0.1) {
          const foreign = await invoke(name, req, pick(rand, ['https://evil.example/', 'file:///tmp/x.html', 'about:blank']));
          expect(foreign).toMatchObject({ ok: false, error: { code: 'unauthorized' } });
        }
      }
    }
    for (const name of junkNames().filter((n) => typeof n !== 'symbol')) {
      expect(await invoke(name, {}), String(name)).toMatchObject({ ok: false, error: { code: 'bad-request' } });
    }
    expect([...okCalls].sort()).toEqual([...CALLS].sort());
    expect(asked.length).toBeGreaterThan(0);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

it('the hostile strings never name a path outside the folder a test gives', () => {
  expect(HOSTILE_STRINGS.filter((s) => s.includes('/'))).toEqual([]);
});
