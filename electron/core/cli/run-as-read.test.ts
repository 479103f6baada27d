// `rowrunner run` starts with the file's first rows: a problem found further down the file stops the
// run there, exit 2 naming the line, and the run keeps the rows read before it, resumable.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../simulator/index.ts';
import { lastJson, runCli } from './test-helpers.ts';

let sim: Simulator;
let dir: string;
let env: Record<string, string | undefined>;

beforeAll(async () => {
  sim = await startSimulator({ latencyMs: 5 });
});
afterAll(async () => {
  await sim.close();
});
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rr-as-read-'));
  env = { OPENAI_BASE_URL: sim.url, OPENAI_API_KEY: 'sk-test', ROWRUNNER_DB: path.join(dir, 'rowrunner.db') };
  return () => fs.rmSync(dir, { recursive: true, force: true });
});

it('a bad line past the first rows: exit 2 naming it, the run stopped there with the rows before it, resumable', { timeout: 180_000 }, async () => {
  const rows = Array.from({ length: 3000 }, (_, i) => `question number ${i}`);
  // Line 2,502 (data row 2,500) has a second field: rows 0–1,999 are stored in two batches before it.
  rows.splice(2500, 0, 'a question, with a comma');
  const csv = path.join(dir, 'items.csv');
  fs.writeFileSync(csv, `question\n${rows.join('\n')}\n`);
  const agent = path.join(dir, 'agent.json');
  fs.writeFileSync(agent, JSON.stringify({ name: 'qa', model: 'sim-model', prompt: 'Answer: {{question}}' }));

  const res = await runCli(['run', csv, '--agent', agent, '--batch-size', '8'], env);
  expect(res.code, res.stderr).toBe(2);
  expect(res.stderr).toContain('Line 2502 has 2 fields but the header has 1.');
  expect(res.stderr).toContain('Run 1 stopped there and keeps the 2,000 rows read before it (`rowrunner resume 1` sends the rest of those)');

  const runs = await runCli(['runs', '--json'], env);
  const [run] = JSON.parse(runs.stdout) as { runId: string; status: string; items: number }[];
  expect(run).toMatchObject({ runId: '1', status: 'cancelled', items: 2000 });

  const resumed = await runCli(['resume', '1', '--json'], env);
  expect(resumed.code, resumed.stderr).toBe(0);
  expect(lastJson(resumed.stdout)).toMatchObject({ status: 'completed', items: 2000, done: 2000 });
});
