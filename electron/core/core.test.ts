// The core facade with real SQLite, run workers and simulators: samples, keys routed to the right
// endpoint and never stored, the endpoint remembered across a restart, errors mapped to the contract.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCore, type Core } from './core.ts';
import { createMemoryKeyStore } from './keys/index.ts';
import { startSimulator, type Simulator } from './simulator/index.ts';
import { callError } from './testing/call-error.ts';

let dir: string;
let keyed: Simulator;
const SECRET = 'sk-custom-secret-4242';

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'rr-core-'));
  keyed = await startSimulator({ apiKey: SECRET });
});

afterAll(async () => {
  await keyed.close();
  rmSync(dir, { recursive: true, force: true });
});

function open(front: 'served' | 'electron' = 'electron', env: Record<string, string> = {}): Core {
  return createCore({ dataDir: dir, front, keyStore: createMemoryKeyStore(env), simulator: { latencyMs: 0 } });
}


describe('core', () => {
  it('lists the bundled samples and loads one with its agent', async () => {
    const core = open();
    try {
      const samples = (await core.dispatch('dataset:samples', {})) as { id: string; title: string }[];
      expect(samples.length).toBeGreaterThan(0);
      const loaded = (await core.dispatch('dataset:loadSample', { sampleId: samples[0].id })) as { dataset: { rowCount: number; columns: string[] }; agent: { prompt: string } };
      expect(loaded.dataset.rowCount).toBeGreaterThan(0);
      for (const m of loaded.agent.prompt.matchAll(/\{\{\s*([^}]+?)\s*\}\}/g)) expect(loaded.dataset.columns).toContain(m[1]);
      expect((await callError(core.dispatch('dataset:loadSample', { sampleId: 'nope' }))).code).toBe('not-found');
    } finally {
      await core.close();
    }
  });

  it('sends a custom endpoint its own key (never the OpenAI one) and never stores or returns a key', async () => {
    const core = open('electron', { OPENAI_API_KEY: 'sk-openai-should-not-travel' });
    const csv = path.join(dir, 'k.csv');
    writeFileSync(csv, 'q\na\nb\n');
    try {
      const ds = (await core.dispatch('dataset:import', { source: { kind: 'path', path: csv } })) as { id: string };
      const agent = { name: 'k', model: 'local-model', prompt: '{{q}}' };
      const endpoint = { kind: 'custom', baseURL: keyed.url };

      // no key for this server: it answers 401, the items fail (the OpenAI key was not sent)
      const first = (await core.dispatch('run:start', { datasetId: ds.id, agent, options: {}, endpoint })) as { runId: string };
      const r1 = await core.runs.finished(first.runId);
      expect(r1.totals.failed).toBe(2);

      await core.dispatch('key:set', { endpoint, key: SECRET });
      const info = (await core.dispatch('app:info', {})) as { keys: { openai: boolean; custom: Record<string, boolean> } };
      expect(info.keys.custom[keyed.url]).toBe(true);
      expect(JSON.stringify(info)).not.toContain(SECRET);

      const second = (await core.dispatch('run:start', { datasetId: ds.id, agent, options: {}, endpoint })) as { runId: string };
      const r2 = await core.runs.finished(second.runId);
      expect(r2.totals.done).toBe(2);
      // retry the first run's failures without naming the endpoint: the remembered one (and its key) is used
      await core.dispatch('run:retryFailed', { runId: first.runId });
      expect((await core.runs.finished(first.runId)).totals.done).toBe(2);

      const exported = path.join(dir, 'k.jsonl');
      await core.dispatch('run:export', { runId: second.runId, format: 'jsonl', path: exported });
      const detail = await core.dispatch('item:detail', { runId: second.runId, index: 0 });
      for (const text of [readFileSync(exported, 'utf8'), JSON.stringify(detail), JSON.stringify(await core.dispatch('runs:list', {}))]) {
        expect(text).not.toContain(SECRET);
        expect(text).not.toContain('sk-openai-should-not-travel');
      }
    } finally {
      await core.close();
    }
    for (const f of readdirSync(dir).filter((f) => /\.db|endpoints/.test(f))) {
      const bytes = readFileSync(path.join(dir, f)).toString('latin1');
      expect(bytes, f).not.toContain(SECRET);
      expect(bytes, f).not.toContain('sk-openai-should-not-travel');
    }
  });

  it('refuses an OpenAI run without a key before creating it, and maps failures to contract errors', async () => {
    const core = open();
    try {
      const csv = path.join(dir, 'o.csv');
      writeFileSync(csv, 'q\nx\n');
      const ds = (await core.dispatch('dataset:import', { source: { kind: 'path', path: csv } })) as { id: string };
      const before = ((await core.dispatch('runs:list', {})) as unknown[]).length;
      const e = await callError(core.dispatch('run:start', { datasetId: ds.id, agent: { name: 'o', model: 'gpt-4o', prompt: '{{q}}' }, options: {}, endpoint: { kind: 'openai' } }));
      expect(e.code).toBe('bad-input');
      expect(((await core.dispatch('runs:list', {})) as unknown[]).length).toBe(before);

      const missingColumn = await callError(core.dispatch('run:estimate', { datasetId: ds.id, agent: { name: 'o', model: 'gpt-4o', prompt: '{{nope}}' }, options: {}, endpoint: { kind: 'simulated' } }));
      expect(missingColumn).toMatchObject({ code: 'bad-input', fields: ['agent.prompt'] });
      expect((await callError(core.dispatch('dataset:import', { source: { kind: 'path', path: path.join(dir, 'absent.csv') } }))).code).toBe('not-found');
      const bad = await callError(core.dispatch('run:start', { datasetId: ds.id, agent: { name: '', model: 'm', prompt: 'p' }, options: { batchSize: 0 }, endpoint: { kind: 'simulated' } }));
      expect(bad.code).toBe('bad-request');
      expect(bad.fields).toEqual(expect.arrayContaining(['agent.name', 'options.batchSize']));
      expect((await callError(core.dispatch('key:set', { endpoint: { kind: 'simulated' }, key: 'x' }))).code).toBe('bad-request');
    } finally {
      await core.close();
    }
  });

  it('remembers a run’s endpoint across a restart, so continuing an interrupted run uses the same one', async () => {
    const csv = path.join(dir, 'c.csv');
    writeFileSync(csv, 'q\n' + Array.from({ length: 30 }, (_, i) => `q${i} [[sleep:100]]`).join('\n') + '\n');
    let core = open();
    const ds = (await core.dispatch('dataset:import', { source: { kind: 'path', path: csv } })) as { id: string };
    const { runId } = (await core.dispatch('run:start', { datasetId: ds.id, agent: { name: 'c', model: 'gpt-4o-mini', prompt: '{{q}}' }, options: { batchSize: 2 }, endpoint: { kind: 'simulated' } })) as { runId: string };
    // Cancelled mid-way: once it has done some (each item takes the simulator 100 ms, two at a time).
    while (((await core.dispatch('run:get', { runId })) as { totals: { done: number } }).totals.done === 0) await new Promise((r) => setTimeout(r, 10));
    await core.dispatch('run:cancel', { runId });
    await core.close();
    core = open();
    try {
      const cancelled = (await core.dispatch('run:get', { runId })) as { status: string; totals: { done: number } };
      expect(cancelled.status).toBe('cancelled');
      expect(cancelled.totals.done).toBeLessThan(30);
      // no endpoint named: the simulated one it was started with (OpenAI would need a key and fail)
      await core.dispatch('run:continue', { runId });
      const done = await core.runs.finished(runId);
      expect(done.status).toBe('completed');
      expect(done.totals.done).toBe(30);
    } finally {
      await core.close();
    }
  });
});
