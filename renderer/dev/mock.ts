// A fake core behind window.rowrunner, for looking at the screens without a server:
//   npx vite --config renderer/vite.config.ts   then open http://localhost:5173/dev/mock.html
// Never part of the build (vite builds renderer/index.html only).
import type { CallName, CallRequest, CallResponse, DatasetSummary, EventName, ItemRow, RowrunnerApi, RunSummary } from '../../shared/contract.ts';
import type { AgentSpec, ItemStatus } from '../../shared/domain.ts';
import { renderTemplate } from '../../shared/template.ts';

type Listener = (p: unknown) => void;
const listeners = new Map<string, Set<Listener>>();
const emit = (name: EventName, payload: unknown) => listeners.get(name)?.forEach((l) => l(payload));
const err = (code: string, message: string, fields?: string[]) => ({ code, message, ...(fields ? { fields } : {}) });

const WORDS = ['printer', 'refund', 'login', 'slow', 'crash', 'invoice', 'password', 'shipping', 'broken', 'thanks'];
function cell(i: number, c: number): string {
  if (c === 0) return String(1000 + i);
  const w = (k: number) => WORDS[(i * 7 + c * 13 + k * 3) % WORDS.length];
  return c === 1 ? `${w(0)} ${w(1)} issue` : `The ${w(2)} is ${w(3)} since yesterday and the ${w(4)} does not help.`;
}

const datasets = new Map<string, DatasetSummary>();
function makeDataset(name: string, rows: number): DatasetSummary {
  const ds: DatasetSummary = {
    id: `ds${datasets.size + 1}`,
    name,
    columns: ['id', 'subject', 'body'],
    rowCount: rows,
    delimiter: ',',
    encoding: 'utf-8',
    notes: rows > 500 ? [] : ['Header "body" appeared twice; the second is now "body_2".'],
    createdAt: new Date().toISOString(),
  };
  datasets.set(ds.id, ds);
  return ds;
}

const sampleAgent: AgentSpec = {
  name: 'ticket-triage',
  model: 'sim-1',
  systemMessage: 'You triage support tickets.',
  prompt: 'Ticket {{id}}: {{subject}}\n\n{{body}}\n\nClassify it.',
  tools: [
    {
      name: 'answer',
      description: 'Give the answer for this row.',
      parameters: {
        type: 'object',
        properties: { label: { type: 'string', description: 'one word' }, urgent: { type: 'boolean' } },
        required: ['label', 'urgent'],
      },
    },
  ],
  doneIfTool: true,
  output: { label: 'label', urgent: 'urgent' },
};

interface MockRun {
  summary: RunSummary;
  status: ItemStatus[];
  timer: ReturnType<typeof setInterval> | null;
  started: number;
}
const runs = new Map<string, MockRun>();

function totals(r: MockRun) {
  const t = { items: r.status.length, pending: 0, running: 0, done: 0, failed: 0, skipped: 0 };
  for (const s of r.status) t[s]++;
  const finished = t.done + t.failed;
  return { ...t, promptTokens: finished * 120, completionTokens: finished * 18, costUsd: finished * 0.00003 };
}
function refresh(r: MockRun) {
  r.summary = { ...r.summary, totals: totals(r) };
}

function createRun(ds: DatasetSummary, agent: AgentSpec, items: number, status: RunSummary['status'], fill: (i: number) => ItemStatus): MockRun {
  const runId = `run-${runs.size + 1}-${Math.random().toString(36).slice(2, 6)}`;
  const outputColumns = agent.output ? Object.keys(agent.output) : ['result'];
  const r: MockRun = {
    summary: {
      runId,
      name: `${agent.name} on ${ds.name}`,
      datasetId: ds.id,
      datasetName: ds.name,
      status,
      error: null,
      endpoint: { kind: 'simulated' },
      agent,
      options: { batchSize: 8, sequential: false, onError: 'continue' },
      inputColumns: ds.columns,
      outputColumns,
      totals: { items: 0, pending: 0, running: 0, done: 0, failed: 0, skipped: 0, promptTokens: 0, completionTokens: 0, costUsd: 0 },
      createdAt: new Date(Date.now() - runs.size * 3600_000).toISOString(),
      startedAt: new Date().toISOString(),
      finishedAt: null,
    },
    status: Array.from({ length: items }, (_, i) => fill(i)),
    timer: null,
    started: Date.now(),
  };
  refresh(r);
  runs.set(runId, r);
  return r;
}

function drive(r: MockRun) {
  if (r.timer) clearInterval(r.timer);
  r.summary.status = 'running';
  r.started = Date.now();
  let doneAtStart = totals(r).done + totals(r).failed;
  r.timer = setInterval(() => {
    const changed: number[] = [];
    let budget = 6;
    for (let i = 0; i < r.status.length && budget > 0; i++) {
      if (r.status[i] === 'running') {
        r.status[i] = (i * 2654435761) % 100 < 6 ? 'failed' : 'done';
        changed.push(i);
        budget--;
      }
    }
    let running = r.status.filter((s) => s === 'running').length;
    for (let i = 0; i < r.status.length && running < 8; i++) {
      if (r.status[i] === 'pending') {
        r.status[i] = 'running';
        running++;
        changed.push(i);
      }
    }
    refresh(r);
    const t = r.summary.totals;
    const elapsedMin = (Date.now() - r.started) / 60000;
    const ipm = (t.done + t.failed - doneAtStart) / Math.max(elapsedMin, 1e-6);
    if (t.pending === 0 && t.running === 0) {
      clearInterval(r.timer!);
      r.timer = null;
      r.summary.status = 'completed';
      r.summary.finishedAt = new Date().toISOString();
      emit('run:finished', { runId: r.summary.runId, status: 'completed', error: null });
    }
    emit('run:items', { runId: r.summary.runId, indexes: changed });
    emit('run:progress', {
      runId: r.summary.runId,
      status: r.summary.status,
      totals: t,
      concurrency: 8,
      itemsPerMinute: ipm * (0.85 + Math.random() * 0.3),
      etaMs: ipm > 0 ? (t.pending / ipm) * 60000 : null,
      latencyMs: 300 + Math.random() * 400,
    });
    if (doneAtStart < 0) doneAtStart = 0;
  }, 150);
}

function row(r: MockRun, i: number): ItemRow {
  const s = r.status[i];
  const finished = s === 'done' || s === 'failed';
  return {
    index: i,
    input: r.summary.inputColumns.map((_, c) => cell(i, c)),
    output: s === 'done' ? { label: WORDS[i % WORDS.length], urgent: i % 3 === 0 } : null,
    status: s,
    error: s === 'failed' ? 'HTTP 500 from the endpoint after 3 attempts' : null,
    turns: finished ? 1 : 0,
    promptTokens: finished ? 120 : 0,
    completionTokens: finished ? 18 : 0,
    costUsd: finished ? 0.00003 : 0,
    latencyMs: finished ? 300 + ((i * 37) % 500) : null,
  };
}

// Seed: a finished 100k-row run and an interrupted one.
const big = makeDataset('tickets-100k.csv', 100_000);
createRun(big, sampleAgent, 100_000, 'completed', (i) => ((i * 2654435761) % 100 < 3 ? 'failed' : 'done'));
const small = makeDataset('tickets.csv', 400);
createRun(small, { ...sampleAgent, name: 'triage-v1' }, 400, 'interrupted', (i) => (i < 170 ? 'done' : 'pending'));

const handlers: { [K in CallName]: (req: CallRequest<K>) => CallResponse<K> } = {
  'app:info': () => ({ version: '0.1.0', front: 'served', dataDir: '/tmp/rowrunner', keys: { openai: false, custom: {} } }),
  'key:set': () => ({ ok: true as const }),
  'key:clear': () => ({ ok: true as const }),
  'dataset:import': (req) => {
    if (req.source.kind === 'path' && /bad/.test(req.source.path)) throw err('bad-input', 'line 4: expected 3 fields, found 5 (ragged rows at lines 4, 9, 12)');
    return makeDataset('uploaded.csv', 1234);
  },
  'dataset:rows': (req) => {
    const ds = datasets.get(req.datasetId);
    if (!ds) throw err('not-found', 'no such dataset');
    const rows: string[][] = [];
    for (let i = req.offset; i < Math.min(ds.rowCount, req.offset + req.limit); i++) rows.push(ds.columns.map((_, c) => cell(i, c)));
    return { rows };
  },
  'dataset:samples': () => [{ id: 'tickets', title: 'Support tickets', description: 'Triage 400 tickets into labels.' }],
  'dataset:loadSample': () => ({ dataset: makeDataset('sample-tickets.csv', 400), agent: sampleAgent }),
  'run:estimate': (req) => {
    const ds = datasets.get(req.datasetId)!;
    const n = req.limit ?? ds.rowCount;
    return { items: n, promptTokens: n * 120, completionTokens: n * 20, costUsd: req.agent.model.startsWith('gpt') ? n * 0.00003 : null, tokenizer: 'o200k_base', budgetProblems: [] };
  },
  'run:start': (req) => {
    const ds = datasets.get(req.datasetId)!;
    const r = createRun(ds, req.agent as AgentSpec, req.limit ?? ds.rowCount, 'pending', () => 'pending');
    r.summary.createdAt = new Date().toISOString();
    setTimeout(() => drive(r), 200);
    return { runId: r.summary.runId };
  },
  'run:pause': (req) => {
    const r = runs.get(req.runId)!;
    if (r.timer) clearInterval(r.timer);
    r.timer = null;
    r.summary.status = 'paused';
    emit('run:progress', { runId: req.runId, status: 'paused', totals: r.summary.totals, concurrency: 0, itemsPerMinute: 0, etaMs: null, latencyMs: null });
    return { ok: true as const };
  },
  'run:unpause': (req) => {
    drive(runs.get(req.runId)!);
    return { ok: true as const };
  },
  'run:cancel': (req) => {
    const r = runs.get(req.runId)!;
    if (r.timer) clearInterval(r.timer);
    r.timer = null;
    r.status = r.status.map((s) => (s === 'running' ? 'pending' : s));
    refresh(r);
    r.summary.status = 'cancelled';
    emit('run:finished', { runId: req.runId, status: 'cancelled', error: null });
    return { ok: true as const };
  },
  'run:continue': (req) => {
    drive(runs.get(req.runId)!);
    return { ok: true as const };
  },
  'run:retryFailed': (req) => {
    const r = runs.get(req.runId)!;
    r.status = r.status.map((s) => (s === 'failed' ? 'pending' : s));
    refresh(r);
    drive(r);
    return { ok: true as const };
  },
  'run:delete': (req) => {
    runs.delete(req.runId);
    return { ok: true as const };
  },
  'run:get': (req) => {
    const r = runs.get(req.runId);
    if (!r) throw err('not-found', `no run ${req.runId}`);
    return structuredClone(r.summary);
  },
  'runs:list': () => [...runs.values()].map((r) => structuredClone(r.summary)),
  'items:page': (q) => {
    const r = runs.get(q.runId)!;
    let idx: number[] = [];
    const search = q.search?.toLowerCase();
    for (let i = 0; i < r.status.length; i++) {
      if (q.status && r.status[i] !== q.status) continue;
      if (search && !row(r, i).input.join(' ').toLowerCase().includes(search)) continue;
      idx.push(i);
    }
    if (q.sort) {
      const { column, desc } = q.sort;
      const key = (i: number): string | number => {
        const x = row(r, i);
        if (column === 'index') return i;
        if (column === 'status') return x.status;
        if (column === 'latencyMs') return x.latencyMs ?? -1;
        if (column === 'costUsd') return x.costUsd;
        if (column === 'turns') return x.turns;
        const c = r.summary.inputColumns.indexOf(column);
        return c >= 0 ? x.input[c] : String(x.output?.[column] ?? '');
      };
      idx = idx.map((i) => [key(i), i] as const).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] - b[1])).map((p) => p[1]);
      if (desc) idx.reverse();
    }
    return { total: idx.length, rows: idx.slice(q.offset, q.offset + q.limit).map((i) => row(r, i)) };
  },
  'item:detail': (req) => {
    const r = runs.get(req.runId)!;
    const x = row(r, req.index);
    const rec = Object.fromEntries(r.summary.inputColumns.map((c, i) => [c, x.input[i]]));
    const prompt = renderTemplate(r.summary.agent.prompt, rec);
    return {
      ...x,
      prompt,
      attempts: x.status === 'failed' ? 3 : 1,
      transcript:
        x.status === 'pending'
          ? []
          : [
              { role: 'system', content: r.summary.agent.systemMessage },
              { role: 'user', content: prompt },
              x.status === 'failed'
                ? { role: 'assistant', content: null, toolCalls: [{ id: 'call_1', name: 'answer', arguments: '{"label": "refu' }] }
                : { role: 'assistant', content: null, toolCalls: [{ id: 'call_1', name: 'answer', arguments: JSON.stringify(x.output) }] },
              { role: 'tool', toolCallId: 'call_1', content: x.status === 'failed' ? 'invalid JSON arguments' : '{"ok":true}' },
            ],
    };
  },
  'run:export': (req) => ({ rows: runs.get(req.runId)!.status.length, downloadUrl: 'data:text/plain,exported' }),
  // The grid's marks, select-all and charts are not mocked: the served app shows them.
  'item:mark': () => ({ ok: true as const }),
  'items:indexes': () => ({ indexes: [] }),
  'items:distributions': () => ({ status: { done: 0, failed: 0, pending: 0, running: 0, skipped: 0 }, fields: [] }),
  'run:rename': (req) => {
    const r = runs.get(req.runId);
    if (!r) throw err('not-found', 'no such run');
    r.summary.name = req.name.trim();
    return r.summary;
  },
  'compare:summary': () => {
    throw err('bad-input', 'The mock does not compare runs; use rowrunner serve.');
  },
  'compare:page': () => {
    throw err('bad-input', 'The mock does not compare runs; use rowrunner serve.');
  },
  'compare:export': () => {
    throw err('bad-input', 'The mock does not compare runs; use rowrunner serve.');
  },
  'run:exportInto': (req) => ({ rows: runs.get(req.runId)!.status.length, downloadUrl: 'data:text/plain,exported' }),
  'endpoint:test': () => ({ ok: true, message: 'Connected: it answers with 3 models.' }),
  'cache:size': () => ({ entries: 0, bytes: 0, costUsd: 0, oldestAt: null, newestAt: null }),
  'cache:entries': () => [],
  'cache:clear': () => ({ cleared: 0 }),
  'dataset:get': (req) => {
    const ds = datasets.get(req.datasetId);
    if (!ds) throw err('not-found', 'no such dataset');
    return ds;
  },
  'run:rerunRows': (req) => {
    const r = runs.get(req.runId)!;
    const chosen = new Set(req.rows ?? r.status.map((_, i) => i));
    r.status = r.status.map((s, i) => (chosen.has(i) ? 'pending' : s));
    refresh(r);
    drive(r);
    return { ok: true as const };
  },
  'run:failureCounts': (req) => ({ infra: runs.get(req.runId)!.status.filter((s) => s === 'failed').length, invalid: 0, refused: 0 }),
};

const api: RowrunnerApi = {
  invoke(name, req) {
    return new Promise((resolve, reject) =>
      setTimeout(() => {
        try {
          resolve((handlers[name] as (r: unknown) => never)(req));
        } catch (e) {
          reject(e);
        }
      }, 30 + Math.random() * 60),
    );
  },
  on(name, listener) {
    let s = listeners.get(name);
    if (!s) listeners.set(name, (s = new Set()));
    s.add(listener as Listener);
    return () => s.delete(listener as Listener);
  },
};
window.rowrunner = api;
window.rowrunnerFiles = { pathForFile: (f: File) => `/fake/${f.name}` };
