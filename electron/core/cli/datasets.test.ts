// No dataset is left without its run: a run that is never created takes its import with it, and
// `rowrunner datasets` / `rowrunner rm` show and remove what is left (a kill -9, the app's imports).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { createRunService } from '../runs/service.ts';
import { startSimulator, type Simulator } from '../simulator/index.ts';
import { runCli, spawnCli } from './test-helpers.ts';

let sim: Simulator;
let dir: string;
let env: Record<string, string | undefined>;
let agent: string;

beforeAll(async () => {
  sim = await startSimulator({ latencyMs: 1 });
});
afterAll(async () => {
  await sim.close();
});
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rr-datasets-'));
  env = { OPENAI_BASE_URL: sim.url, OPENAI_API_KEY: 'sk-test', ROWRUNNER_DB: path.join(dir, 'rowrunner.db') };
  agent = path.join(dir, 'agent.json');
  fs.writeFileSync(agent, JSON.stringify({ name: 'qa', model: 'sim-model', prompt: 'Answer: {{question}}' }));
  return () => fs.rmSync(dir, { recursive: true, force: true });
});

function csvFile(name: string, rows: number): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, 'question\n' + Array.from({ length: rows }, (_, i) => `question number ${i}`).join('\n') + '\n');
  return file;
}

interface Listed {
  datasetId: string;
  name: string;
  rows: number;
  runs: string[];
}

async function datasets(): Promise<Listed[]> {
  const res = await runCli(['datasets', '--json'], env);
  expect(res.code, res.stderr).toBe(0);
  return JSON.parse(res.stdout) as Listed[];
}

it('Ctrl-C while the CSV is imported exits 1 and leaves no dataset without a run', { timeout: 180_000 }, async () => {
  const p = spawnCli(['run', csvFile('big.csv', 300_000), '--agent', agent], env);
  await p.waitForStderr(/Importing .*big\.csv/);
  p.child.kill('SIGINT');
  const res = await p.result;
  expect(res.code, res.stderr).toBe(1);
  // Whatever the import had reached, a dataset exists only with its run.
  const left = await datasets();
  for (const d of left) expect(d.runs.length).toBeGreaterThan(0);
  if (left.length === 0) expect(res.stderr).toContain('Cancelled before the run was created; nothing was kept.');
});

it('a CSV refused after its import (no rows) leaves no dataset', { timeout: 180_000 }, async () => {
  fs.writeFileSync(path.join(dir, 'h.csv'), 'question\n');
  const res = await runCli(['run', path.join(dir, 'h.csv'), '--agent', agent], env);
  expect(res.code).toBe(2);
  expect(await datasets()).toEqual([]);
});

it('datasets lists each dataset with its runs; rm removes an unused one, refuses a used one, and a run with its dataset', { timeout: 180_000 }, async () => {
  const run = await runCli(['run', csvFile('items.csv', 3), '--agent', agent], env);
  expect(run.code, run.stderr).toBe(0);
  // A dataset whose run was never created, as a kill -9 between the import and the run leaves it.
  const svc = createRunService({ dbPath: env.ROWRUNNER_DB!, recover: false });
  const orphan = await svc.importDataset(csvFile('orphan.csv', 5));
  await svc.close();

  expect(await datasets()).toEqual([
    expect.objectContaining({ name: 'items.csv', rows: 3, runs: ['1'] }),
    expect.objectContaining({ datasetId: orphan.id, name: 'orphan.csv', rows: 5, runs: [] }),
  ]);
  const table = await runCli(['datasets'], env);
  expect(table.stdout).toMatch(new RegExp(`^d${orphan.id}\\s+5\\s+none\\s`, 'm'));

  const used = (await datasets())[0].datasetId;
  const refused = await runCli(['rm', `d${used}`], env);
  expect(refused.code).toBe(2);
  expect(refused.stderr).toContain(`rm d${used}: the dataset is used by run 1; remove that run instead (rm 1)`);

  const removed = await runCli(['rm', `d${orphan.id}`], env);
  expect(removed.code, removed.stderr).toBe(0);
  expect(removed.stdout).toContain(`Removed dataset d${orphan.id} (orphan.csv)`);

  const rmRun = await runCli(['rm', '1'], env);
  expect(rmRun.code, rmRun.stderr).toBe(0);
  expect(rmRun.stdout).toContain('Removed run 1');
  expect(await datasets()).toEqual([]);
  expect(JSON.parse((await runCli(['runs', '--json'], env)).stdout)).toEqual([]);

  const unknown = await runCli(['rm', 'x7'], env);
  expect(unknown.code).toBe(2);
  expect(unknown.stderr).toContain('"x7" is neither a RUN_ID');
});
