// With the response cache, a run built on an earlier one sends only what changed: a new run from it
// sends the rows whose request changed, a rerun answers an unchanged row from the cache unless the
// session says noCache. The runs service, real worker threads, the simulator over real HTTP.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../simulator/index.ts';
import { qaAgent } from '../testing/fixtures.ts';
import { createRunService, type RunService } from './service.ts';

let sim: Simulator;
let dir: string;
let svc: RunService;

beforeAll(async () => {
  sim = await startSimulator({ latencyMs: 1 });
});
afterAll(async () => {
  await sim.close();
});
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rr-from-cache-'));
  svc = createRunService({ dbPath: path.join(dir, 'rowrunner.db'), apiKey: () => 'sk-test' });
});
afterEach(async () => {
  await svc.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

it('a new run from an earlier one sends only the rows whose request changed; a rerun sends again only with noCache', async () => {
  // Column `extra` is empty in rows 0 and 1: a prompt that adds it changes only rows 2 and 3.
  const tag = `${process.pid}-${Date.now()}`;
  const file = path.join(dir, 'q.csv');
  fs.writeFileSync(file, `question,extra\n${[0, 1, 2, 3].map((i) => `q${i} ${tag},${i >= 2 ? ' (briefly)' : ''}`).join('\n')}\n`);
  const ds = await svc.importDataset(file);
  const agent = qaAgent(sim.url, { answerTool: false });
  const first = svc.createRun({ datasetId: ds.id, agent });
  svc.start(first.runId);
  expect((await svc.finished(first.runId)).totals).toMatchObject({ done: 4 });
  const sent = () => sim.stats().byPrompt;
  const count = (prompt: string) => sent().get(prompt) ?? 0;
  const prompts = (runId: string) => [0, 1, 2, 3].map((i) => svc.itemDetail(runId, i).prompt);

  const changed = svc.createRunFrom({ fromRunId: first.runId, agent: { ...agent, prompt: 'Answer: {{question}}{{extra}}' } });
  const before = prompts(first.runId).map(count);
  svc.start(changed.runId);
  expect((await svc.finished(changed.runId)).totals).toMatchObject({ done: 4, cachedCalls: 2 });
  const now = prompts(changed.runId);
  expect(now.slice(0, 2)).toEqual(prompts(first.runId).slice(0, 2));
  expect(prompts(first.runId).map(count)).toEqual(before); // rows 0 and 1: answered from the cache
  expect(now.slice(2).map(count)).toEqual([1, 1]); // rows 2 and 3: their request changed, sent

  const row0 = prompts(first.runId)[0];
  svc.rerunRows(first.runId, { rows: [0] });
  await svc.finished(first.runId);
  expect(count(row0)).toBe(1);
  expect(svc.itemDetail(first.runId, 0)).toMatchObject({ status: 'done', attempts: 2 });

  svc.rerunRows(first.runId, { rows: [0] }, { noCache: true });
  await svc.finished(first.runId);
  expect(count(row0)).toBe(2);
  expect(svc.itemDetail(first.runId, 0)).toMatchObject({ status: 'done', attempts: 3 });
  expect(svc.itemDetail(first.runId, 0).earlierAttempts).toHaveLength(2);
});
