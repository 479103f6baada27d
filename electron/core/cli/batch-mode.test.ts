// `rowrunner run --mode batch` as a user meets it: a progress line while the batch is in progress;
// Ctrl-C leaves the batch running and says how to pick it up; a process killed with SIGKILL while
// waiting resumes by polling the same batch, never uploading again.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { withReadonlyDb } from '../runs/test-store.ts';
import { startSimulator, type Simulator } from '../simulator/index.ts';
import { qaAgent, TEST_PRICING, writeQuestionsCsv } from '../testing/fixtures.ts';
import { lastJson, runCli, spawnCli } from './test-helpers.ts';

const ROWS = 40;
const HOUR = 3_600_000;

let sim: Simulator;
let dir: string;
beforeAll(async () => {
  sim = await startSimulator();
});
afterAll(async () => {
  await sim.close();
});
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rr-cli-batch-'));
  sim.setOptions({ batch: { processingMs: HOUR } });
  sim.resetStats();
});

async function files(tag: string) {
  const csv = await writeQuestionsCsv(path.join(dir, 'items.csv'), ROWS, (i) => `${tag} ${i}`);
  const agent = path.join(dir, 'agent.json');
  fs.writeFileSync(agent, JSON.stringify(qaAgent(undefined, { pricing: TEST_PRICING })));
  const env = { OPENAI_BASE_URL: sim.url, OPENAI_API_KEY: 'sk-test', ROWRUNNER_DB: path.join(dir, 'rowrunner.db') };
  return { csv, agent, env };
}

const runStatus = (dbPath: string) => withReadonlyDb(dbPath, (db) => db.prepare(`SELECT status FROM runs WHERE id = 1`).pluck().get() as string);

it('a run killed with SIGKILL while its batch is in progress resumes without a second upload', { timeout: 120_000 }, async () => {
  const { csv, agent, env } = await files(`kill-${process.pid}`);
  const p = spawnCli(['run', csv, '--agent', agent, '--mode', 'batch', '--json'], env);
  await p.waitForStderr(/batch batch_sim\d+: in_progress, \d+\/40 completed/);
  p.child.kill('SIGKILL');
  expect((await p.result).signal).toBe('SIGKILL');
  expect(sim.stats()).toMatchObject({ fileUploads: 1, batchesCreated: 1 });

  sim.setOptions({ batch: { processingMs: 0 } });
  const out = path.join(dir, 'out.jsonl');
  const resumed = await runCli(['resume', '1', '--out', out, '--json'], env);
  expect(resumed.code, resumed.stderr).toBe(0);
  expect(lastJson(resumed.stdout)).toMatchObject({ status: 'completed', done: ROWS, failed: 0 });
  expect(sim.stats()).toMatchObject({ fileUploads: 1, batchesCreated: 1 });
  const rows = fs.readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  expect(rows.map((r) => r._status)).toEqual(Array(ROWS).fill('done'));
  expect(rows[3].answer).toBe(`Simulated answer: Answer: kill-${process.pid} 3`);
});

it('Ctrl-C leaves the batch running and says how to pick it up', { timeout: 120_000 }, async () => {
  const { csv, agent, env } = await files(`int-${process.pid}`);
  const p = spawnCli(['run', csv, '--agent', agent, '--mode', 'batch'], env);
  await p.waitForStderr(/batch batch_sim\d+: in_progress/);
  p.child.kill('SIGINT');
  const r = await p.result;
  expect(r.stderr).toContain("The run's batches keep running at the provider; `rowrunner resume 1` picks them up.");
  expect(runStatus(env.ROWRUNNER_DB)).toBe('interrupted');
  // Not cancelled at the provider: the same batch answers the resumed run.
  sim.setOptions({ batch: { processingMs: 0 } });
  const resumed = await runCli(['resume', '1', '--json'], env);
  expect(lastJson(resumed.stdout)).toMatchObject({ status: 'completed', done: ROWS });
  expect(sim.stats()).toMatchObject({ fileUploads: 1, batchesCreated: 1 });
});

it('rows no batch could run go live in a run from the batch run: the rest are answered from the cache', { timeout: 120_000 }, async () => {
  const { csv, agent, env } = await files(`live-${process.pid}`);
  fs.writeFileSync(csv, ['question,topic', ...Array.from({ length: 6 }, (_, i) => `live ${process.pid} ${i}${i === 4 ? ' [[batchexpire]]' : ''},t`)].join('\n') + '\n');
  sim.setOptions({ batch: { processingMs: 0 } });
  const batch = await runCli(['run', csv, '--agent', agent, '--mode', 'batch', '--json'], env);
  expect(lastJson(batch.stdout)).toMatchObject({ status: 'completed', done: 5, failed: 1 });

  sim.resetStats();
  const live = await runCli(['run', '--from', '1', '--agent', agent, '--mode', 'live', '--json'], env);
  expect(live.code, live.stderr).toBe(0);
  expect(lastJson(live.stdout)).toMatchObject({ runId: '2', status: 'completed', done: 6, failed: 0, cachedCalls: 5 });
  // One chat request: the row no batch ran. No upload, no batch.
  const stats = sim.stats();
  expect(stats.requests - stats.modelRequests).toBe(1);
  expect([...stats.byPrompt.keys()]).toEqual([expect.stringContaining(`live ${process.pid} 4`)]);
  expect(stats).toMatchObject({ fileUploads: 0, batchesCreated: 0 });
});
