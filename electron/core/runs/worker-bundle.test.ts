// The CLI's bundled run worker: built with esbuild into a temporary folder, it runs a real run (real
// SQLite file, real HTTP to the simulator, a real worker thread), and it is used only while what it
// was built from is unchanged.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../simulator/index.ts';
import { qaAgent, writeQuestionsCsv } from '../testing/fixtures.ts';
import { createRunService } from './service.ts';
import { checkStore } from './test-store.ts';
import { buildWorkerBundle, freshBundle } from './worker-bundle.ts';

const ROOT = path.resolve(import.meta.dirname, '..', '..', '..');
let sim: Simulator;
let dir: string;
let bundleDir: string;

beforeAll(async () => {
  sim = await startSimulator({ latencyMs: 5 });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rr-bundle-'));
  // In the project, as out/cli is: the bundle finds the packages it leaves out (the tokenizer's ranks) from where it is.
  bundleDir = path.join(ROOT, 'out', `cli-test-${process.pid}`);
  await buildWorkerBundle(bundleDir);
}, 60_000);
afterAll(async () => {
  await sim.close();
  fs.rmSync(dir, { recursive: true, force: true });
  fs.rmSync(bundleDir, { recursive: true, force: true });
});

it('runs a run to the end from the bundle, and leaves the database checkpointed', async () => {
  const url = freshBundle(bundleDir);
  expect(url?.href).toBe(`file://${path.join(bundleDir, 'run-worker.js')}`);
  const csv = await writeQuestionsCsv(path.join(dir, 'items.csv'), 40, (i) => `bundled q${i}`);
  const dbPath = path.join(dir, 'rowrunner.db');
  const svc = createRunService({ dbPath, workerUrl: url, apiKey: () => 'sk-test' });
  try {
    const ds = await svc.importDataset(csv);
    const run = svc.createRun({ datasetId: ds.id, agent: qaAgent(sim.url, { answerTool: false }), options: { batchSize: 8 } });
    svc.start(run.runId);
    const info = await svc.finished(run.runId);
    expect(info.error).toBeNull();
    expect(info.status).toBe('completed');
    expect(info.totals.done).toBe(40);
    const first = svc.itemDetail(run.runId, 0);
    expect(first.output).toEqual({ result: expect.stringContaining('bundled q0') });
  } finally {
    await svc.close();
  }
  checkStore(dbPath, 1);
  // The worker syncs the run to the file after its end, and close() waits for it.
  const wal = `${dbPath}-wal`;
  expect(fs.existsSync(wal) ? fs.statSync(wal).size : 0).toBe(0);
}, 60_000);

it("counts a prompt's tokens from the bundle when the cheap bound does not fit the model's window", async () => {
  const url = freshBundle(bundleDir);
  // 'word ' 300 times is 1,500 bytes (the bound) but about 300 tokens: within a window of 1,000 only by
  // the tokenizer, whose ranks the bundle reads from the package on first use. 2,000 times is too long.
  const csv = await writeQuestionsCsv(path.join(dir, 'long.csv'), 2, (i) => `q${i} ${'word '.repeat(i === 0 ? 300 : 2000)}`);
  const dbPath = path.join(dir, 'tokens.db');
  const svc = createRunService({ dbPath, workerUrl: url, apiKey: () => 'sk-test' });
  try {
    const ds = await svc.importDataset(csv);
    const agent = qaAgent(sim.url, { answerTool: false, contextWindow: 1000, maxTokensPerCall: 100 });
    const run = svc.createRun({ datasetId: ds.id, agent, options: { batchSize: 2 } });
    svc.start(run.runId);
    const info = await svc.finished(run.runId);
    expect(info.totals).toMatchObject({ done: 1, failed: 1 });
    expect(svc.itemDetail(run.runId, 0).status).toBe('done');
    expect(svc.itemDetail(run.runId, 1).error).toMatch(/^the prompt is 2,0\d\d tokens, which with 100 for the answer is more than sim-model's context window of 1,000 tokens/);
  } finally {
    await svc.close();
  }
}, 60_000);

it('is not used once any file it was built from differs, or when it is missing', () => {
  const manifestFile = path.join(bundleDir, 'run-worker.json');
  const original = fs.readFileSync(manifestFile, 'utf8');
  const manifest = JSON.parse(original) as { entry: string; inputs: Record<string, [number, number]> };
  expect(manifest.entry).toBe('electron/core/runs/run-worker.ts');
  // The engine, the store and the SDK are in it.
  expect(Object.keys(manifest.inputs)).toEqual(
    expect.arrayContaining(['electron/core/engine/spec-batch.ts', 'electron/core/store/writer.ts', expect.stringMatching(/^node_modules\/openai\//)]),
  );
  try {
    const [file, [size, mtime]] = Object.entries(manifest.inputs).find(([f]) => f.endsWith('engine/llm.ts'))!;
    fs.writeFileSync(manifestFile, JSON.stringify({ ...manifest, inputs: { ...manifest.inputs, [file]: [size + 1, mtime] } }));
    expect(freshBundle(bundleDir)).toBeUndefined();
    fs.writeFileSync(manifestFile, JSON.stringify({ ...manifest, inputs: { ...manifest.inputs, [file]: [size, mtime - 1000] } }));
    expect(freshBundle(bundleDir)).toBeUndefined();
    fs.writeFileSync(manifestFile, JSON.stringify({ ...manifest, entry: 'electron/core/engine/worker.ts' }));
    expect(freshBundle(bundleDir)).toBeUndefined();
    fs.writeFileSync(manifestFile, original);
    expect(freshBundle(bundleDir)).toBeDefined();
    fs.renameSync(path.join(bundleDir, 'run-worker.js'), path.join(bundleDir, 'moved.js'));
    expect(freshBundle(bundleDir)).toBeUndefined();
  } finally {
    fs.writeFileSync(manifestFile, original);
    if (fs.existsSync(path.join(bundleDir, 'moved.js'))) fs.renameSync(path.join(bundleDir, 'moved.js'), path.join(bundleDir, 'run-worker.js'));
  }
  expect(freshBundle(path.join(dir, 'nowhere'))).toBeUndefined();
});
