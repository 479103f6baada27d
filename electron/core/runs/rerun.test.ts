// Runs that build on each other, through the runs service: real SQLite, real worker threads, the
// simulator over real HTTP. Chosen rows run again in the same run (their earlier attempt kept), failed
// rows retried by kind, and a new run over the same rows with a changed agent.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from 'vitest';
import type { AgentSpecInput } from '../../../shared/domain.ts';
import { startSimulator, type Simulator } from '../simulator/index.ts';
import { openDatabase } from '../store/db.ts';
import { ledgerTotals } from '../store/runs.ts';
import { itemTotals } from '../store/items.ts';
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
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rr-rerun-'));
  svc = createRunService({ dbPath: path.join(dir, 'rowrunner.db'), apiKey: () => 'sk-test' });
});
afterEach(async () => {
  await svc.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** A unique tag per test, so the simulator's per-prompt counters never mix tests. */
let tagCounter = 0;
async function dataset(n: number, special: Record<number, string> = {}) {
  const tag = `${process.pid}-${++tagCounter}`;
  const file = path.join(dir, 'q.csv');
  fs.writeFileSync(file, ['question', ...Array.from({ length: n }, (_, i) => `q${i} ${tag}${special[i] ?? ''}`)].join('\n') + '\n');
  return svc.importDataset(file);
}

const textAgent = (extra: Partial<AgentSpecInput> = {}): AgentSpecInput => qaAgent(sim.url, { answerTool: false, ...extra });
const requestsFor = (prompt: string): number => sim.stats().byPrompt.get(prompt) ?? 0;

function expectLedgerAgrees(runId: string): void {
  const db = openDatabase(svc.dbPath);
  try {
    const ledger = ledgerTotals(db, Number(runId));
    expect(itemTotals(db, Number(runId)).promptTokens).toBe(ledger.promptTokens);
    expect(svc.getRun(runId).totals.promptTokens).toBe(ledger.promptTokens);
  } finally {
    db.close();
  }
}

it('runs chosen rows again in the same run, keeping each earlier attempt with its transcript', async () => {
  const ds = await dataset(5);
  const run = svc.createRun({ datasetId: ds.id, agent: textAgent() });
  svc.start(run.runId);
  expect((await svc.finished(run.runId)).status).toBe('completed');
  const first = svc.itemDetail(run.runId, 1);
  const prompts = [0, 1, 2, 3, 4].map((i) => svc.itemDetail(run.runId, i).prompt);
  const before = prompts.map(requestsFor);

  // noCache: rows whose request is unchanged would be answered from the response cache.
  svc.rerunRows(run.runId, { rows: [1, 3] }, { noCache: true });
  const after = await svc.finished(run.runId);
  expect(after.status).toBe('completed');
  expect(after.totals).toMatchObject({ items: 5, done: 5, pending: 0 });
  expect(prompts.map(requestsFor)).toEqual(before.map((n, i) => (i === 1 || i === 3 ? n + 1 : n)));
  const again = svc.itemDetail(run.runId, 1);
  expect(again).toMatchObject({ status: 'done', attempts: 2 });
  expect(again.transcript.length).toBeGreaterThan(0);
  expect(again.earlierAttempts).toEqual([
    expect.objectContaining({ attempt: 1, status: 'done', output: first.output, error: null, transcript: first.transcript }),
  ]);
  expect(svc.itemDetail(run.runId, 0)).toMatchObject({ attempts: 1, earlierAttempts: [] });
  expectLedgerAgrees(run.runId);
});

it('runs again the rows a results filter shows', async () => {
  const ds = await dataset(6, { 2: ' [[status:400]]', 4: ' [[status:400]]' });
  const run = svc.createRun({ datasetId: ds.id, agent: textAgent() });
  svc.start(run.runId);
  expect((await svc.finished(run.runId)).totals).toMatchObject({ done: 4, failed: 2 });
  const before = svc.itemDetail(run.runId, 0).attempts;

  svc.rerunRows(run.runId, { filter: { status: 'failed' } });
  await svc.finished(run.runId);
  expect(svc.itemDetail(run.runId, 2)).toMatchObject({ status: 'failed', attempts: 2 });
  expect(svc.itemDetail(run.runId, 2).earlierAttempts).toEqual([expect.objectContaining({ attempt: 1, status: 'failed', error: expect.stringContaining('400') })]);
  expect(svc.itemDetail(run.runId, 4).attempts).toBe(2);
  expect(svc.itemDetail(run.runId, 0).attempts).toBe(before);
});

it('refuses rows out of range before anything is written', async () => {
  const ds = await dataset(3);
  const run = svc.createRun({ datasetId: ds.id, agent: textAgent() });
  svc.start(run.runId);
  await svc.finished(run.runId);
  expect(() => svc.rerunRows(run.runId, { rows: [0, 3] })).toThrow(expect.objectContaining({ code: 'bad-input', message: expect.stringContaining('Row 4 is out of range: run 1 has rows 1-3') }));
  expect(() => svc.rerunRows(run.runId, { rows: [] })).toThrow(expect.objectContaining({ code: 'bad-input' }));
  expect(svc.getRun(run.runId).totals).toMatchObject({ done: 3, pending: 0 });
  expect(svc.itemDetail(run.runId, 0)).toMatchObject({ status: 'done', attempts: 1, earlierAttempts: [] });
  expect(svc.isActive(run.runId)).toBe(false);
});

it('tells infrastructure failures from invalid answers and retries either kind alone', async () => {
  // Row 0: six 429s, all the client's tries, then answers. Row 1: two answers whose tool arguments
  // are not JSON, both of its turns, then a good one. Row 2: refused for good (a 400).
  const ds = await dataset(5, { 0: ' [[status:429x6]] [[retry-after:1]]', 1: ' [[badargsx2]]', 2: ' [[status:400]]' });
  const run = svc.createRun({ datasetId: ds.id, agent: qaAgent(sim.url, { turns: 2 }) });
  svc.start(run.runId);
  expect((await svc.finished(run.runId)).totals).toMatchObject({ done: 2, failed: 3 });
  expect(svc.failureCounts(run.runId)).toEqual({ infra: 1, invalid: 1, refused: 1 });

  svc.retryFailed(run.runId, { only: 'invalid' });
  expect((await svc.finished(run.runId)).totals).toMatchObject({ done: 3, failed: 2 });
  expect(svc.itemDetail(run.runId, 1)).toMatchObject({ status: 'done', attempts: 2 });
  expect(svc.itemDetail(run.runId, 1).earlierAttempts).toEqual([expect.objectContaining({ status: 'failed' })]);
  expect(svc.itemDetail(run.runId, 0)).toMatchObject({ status: 'failed', attempts: 1 });
  expect(svc.failureCounts(run.runId)).toEqual({ infra: 1, invalid: 0, refused: 1 });

  svc.retryFailed(run.runId, { only: 'infra' });
  expect((await svc.finished(run.runId)).totals).toMatchObject({ done: 4, failed: 1 });
  expect(svc.itemDetail(run.runId, 0)).toMatchObject({ status: 'done', attempts: 2 });
  expect(svc.itemDetail(run.runId, 2)).toMatchObject({ status: 'failed', attempts: 1 });
  expect(svc.failureCounts(run.runId)).toEqual({ infra: 0, invalid: 0, refused: 1 });
  expectLedgerAgrees(run.runId);
});

it('makes a new run over the same rows with a changed agent, the earlier options kept', async () => {
  const ds = await dataset(6);
  const trial = svc.createRun({ datasetId: ds.id, agent: textAgent(), options: { batchSize: 3, maxTokens: 100_000 }, limit: 4 });
  svc.start(trial.runId);
  await svc.finished(trial.runId);

  const next = svc.createRunFrom({ fromRunId: trial.runId, agent: textAgent({ prompt: 'Reply briefly: {{question}}' }), options: { batchSize: 2 } });
  expect(next).toMatchObject({ status: 'pending', datasetId: ds.id, options: { batchSize: 2, maxTokens: 100_000 } });
  expect(next.totals).toMatchObject({ items: 4, pending: 4 });
  expect(svc.itemDetail(next.runId, 3).prompt).toMatch(/^Reply briefly: q3 /);
  svc.start(next.runId);
  expect((await svc.finished(next.runId)).totals).toMatchObject({ done: 4 });
  expect(() => svc.createRunFrom({ fromRunId: '99', agent: textAgent() })).toThrow(expect.objectContaining({ code: 'not-found' }));
});
