// Exactly once across crashes: a 3,000-item run against the simulator (with latency) is killed at 20
// random moments, each followed by `rowrunner resume`. The kills take turns: the whole CLI process
// gets SIGKILL; its run worker calls process.exit; the worker throws; the parent terminates the
// worker (which can land inside a transaction). After each: the run is left resumable, a worker's
// death is reported (status interrupted, exit code 1, a message saying so) rather than hung, and
// PRAGMA integrity_check is ok. In the end every item is done exactly once, in order; the export
// equals an uninterrupted run's row for row (the simulator is deterministic; latency aside); totals
// equal the sums over the items and the ledger; and no item done when a session died was ever sent
// to the model again.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { WORKER_FAULT_ENV } from '../runs/fault-injection.ts';
import { checkStore, withReadonlyDb } from '../runs/test-store.ts';
import { startSimulator, type Simulator } from '../simulator/index.ts';
import { prng } from '../simulator/hash.ts';
import { qaAgent, TEST_PRICING, writeQuestionsCsv } from '../testing/fixtures.ts';
import { until } from '../testing/until.ts';
import { lastJson, spawnCli } from './test-helpers.ts';

const ITEMS = 3000;
const KILLS = 20;
const BATCH = 16;
const KINDS = ['sigkill', 'exit', 'throw', 'terminate'] as const;

let sim: Simulator;
let refSim: Simulator;
let dir: string;

beforeAll(async () => {
  // Two simulators with the same settings answer alike; the reference run has its own, so that the
  // crashed run's per-prompt request counts are its own.
  sim = await startSimulator({ latencyMs: 50, latencyJitterMs: 50 });
  refSim = await startSimulator({ latencyMs: 50, latencyJitterMs: 50 });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rr-crash-'));
});
afterAll(async () => {
  await sim.close();
  await refSim.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

function doneNow(dbPath: string, runId: number): { prompt: string }[] {
  return withReadonlyDb(dbPath, (db) => db.prepare(`SELECT prompt FROM items WHERE run_id = ? AND status = 'done'`).all(runId) as { prompt: string }[]);
}

/** The jsonl export's rows without the timing column. */
function rowsOf(file: string): Record<string, unknown>[] {
  return fs
    .readFileSync(file, 'utf8')
    .trimEnd()
    .split('\n')
    .map((l) => {
      const { _latency_ms: _ignored, ...row } = JSON.parse(l) as Record<string, unknown>;
      return row;
    });
}

it(`survives ${KILLS} kills at random moments of a ${ITEMS}-item run (process and worker), each followed by resume`, { timeout: 240_000 }, async () => {
  const tag = `crash-${process.pid}`;
  const csv = await writeQuestionsCsv(path.join(dir, 'items.csv'), ITEMS, (i) => `question ${i} ${tag}`);
  const agent = path.join(dir, 'agent.json');
  fs.writeFileSync(agent, JSON.stringify(qaAgent(undefined, { confidence: true, prompt: 'Answer briefly: {{question}}', pricing: TEST_PRICING })));
  const dbPath = path.join(dir, 'rowrunner.db');
  const env = { OPENAI_BASE_URL: sim.url, OPENAI_API_KEY: 'sk-test', ROWRUNNER_DB: dbPath, [WORKER_FAULT_ENV]: undefined };
  const random = prng(20261128);
  const promptOf = (i: number) => `Answer briefly: question ${i} ${tag}`;

  // The uninterrupted run, alongside, on its own database and simulator.
  const reference = path.join(dir, 'reference.jsonl');
  const refRun = spawnCli(['run', csv, '--agent', agent, '--batch-size', String(BATCH), '--out', reference, '--json'], {
    ...env,
    OPENAI_BASE_URL: refSim.url,
    ROWRUNNER_DB: path.join(dir, 'reference.db'),
  });

  // For every item done when a session died: how many requests had carried its prompt by then.
  const requestsWhenDone = new Map<string, number>();
  const snapshotDone = (runId: number) => {
    const byPrompt = sim.stats().byPrompt;
    for (const { prompt } of doneNow(dbPath, runId)) {
      if (!requestsWhenDone.has(prompt)) requestsWhenDone.set(prompt, byPrompt.get(prompt) ?? 0);
    }
  };
  const checkNoneResent = () => {
    const byPrompt = sim.stats().byPrompt;
    for (const [prompt, count] of requestsWhenDone) expect(byPrompt.get(prompt), prompt).toBe(count);
  };

  let runId = 0;
  const killedAt: number[] = [];
  const lost: number[] = [];
  let lostSoFar = 0;
  const kinds: string[] = [];
  for (let k = 0; k < KILLS; k++) {
    const kind = KINDS[k % KINDS.length];
    const args = k === 0 ? ['run', csv, '--agent', agent, '--batch-size', String(BATCH), '--json'] : ['resume', String(runId), '--json'];
    if (kind === 'sigkill') {
      const p = spawnCli(args, env);
      const m = await p.waitForStderr(/Run (\d+): /);
      runId = Number(m[1]);
      // Once this session has committed results of its own, at a random moment.
      const before = doneNow(dbPath, runId).length;
      while (doneNow(dbPath, runId).length === before) await new Promise((r) => setTimeout(r, 20));
      await new Promise((r) => setTimeout(r, Math.floor(random() * 300)));
      p.child.kill('SIGKILL');
      const res = await p.result;
      expect(res.signal).toBe('SIGKILL');
    } else {
      // The worker dies on its own (or is terminated) at a random moment; the CLI reports it and exits.
      // It exits or throws once this session has done items of its own; the parent terminates it on a
      // timer, which a loaded machine may reach before any item.
      const done = doneNow(dbPath, runId).length;
      const moment = kind === 'terminate' ? String(900 + Math.floor(random() * 500)) : `done=${done + 1 + Math.floor(random() * 40)}`;
      const p = spawnCli(args, { ...env, [WORKER_FAULT_ENV]: `${kind}:${moment}` });
      const res = await p.result;
      expect(res.code, res.stderr).toBe(1);
      const summary = lastJson(res.stdout);
      expect(summary.status).toBe('interrupted');
      expect(summary.error).toMatch(kind === 'throw' ? /^the run's worker crashed: injected fault/ : /^the run's worker stopped unexpectedly \(exit code 1\)/);
      runId = Number(summary.runId);
    }
    kinds.push(kind);
    // Every request the session had written has reached the simulator and been closed.
    await until(() => sim.stats().inFlight === 0);
    checkNoneResent();
    checkStore(dbPath, runId);
    snapshotDone(runId);
    killedAt.push(requestsWhenDone.size);
    // Requests spent on items not done: the answers this kill lost (no faults, so no retries).
    const spent = sim.stats().requests - doneNow(dbPath, runId).length;
    lost.push(spent - lostSoFar);
    lostSoFar = spent;
  }
  // The sessions got somewhere, and the run was not over before the last one.
  expect(killedAt.filter((n, k) => n > (killedAt[k - 1] ?? 0)).length).toBeGreaterThanOrEqual(KILLS / 2);
  expect(killedAt.at(-1)).toBeLessThan(ITEMS);

  const out = path.join(dir, 'results.jsonl');
  const final = spawnCli(['resume', String(runId), '--out', out, '--json'], env);
  const res = await final.result;
  expect(res.code, res.stderr).toBe(0);
  expect(res.stderr).toMatch(/resuming \d/);
  checkNoneResent();
  checkStore(dbPath, runId);

  const summary = lastJson(res.stdout);
  expect(summary).toMatchObject({ runId: String(runId), status: 'completed', items: ITEMS, done: ITEMS, failed: 0, skipped: 0 });

  // Every item done exactly once, in order; the same rows as the uninterrupted run's.
  const refRes = await refRun.result;
  expect(refRes.code, refRes.stderr).toBe(0);
  const rows = rowsOf(out);
  const expected = rowsOf(reference);
  expect(rows).toHaveLength(ITEMS);
  rows.forEach((row, i) => {
    expect(row.id).toBe(String(i));
    expect(row._status).toBe('done');
    expect(row.answer).toEqual(expect.stringContaining(`question ${i} `));
  });
  expect(rows).toEqual(expected);

  // Totals equal the sum over the items (each item's own sum spans all its attempts).
  const sum = (key: string) => rows.reduce((s, r) => s + (r[key] as number), 0);
  expect(sum('_prompt_tokens')).toBe(summary.promptTokens);
  expect(sum('_completion_tokens')).toBe(summary.completionTokens);
  expect(sum('_cost_usd')).toBeCloseTo(summary.costUsd as number, 9);
  expect(summary.promptTokens).toBe(lastJson(refRes.stdout).promptTokens);

  // What the server answered: every item at least once; only items caught in flight by a kill more
  // than once, and each kill cost at most the calls in flight (the window).
  const completed = sim.stats().completedByPrompt;
  let resent = 0;
  for (let i = 0; i < ITEMS; i++) {
    const n = completed.get(promptOf(i)) ?? 0;
    expect(n, `item ${i}`).toBeGreaterThanOrEqual(1);
    if (n > 1) resent++;
  }
  console.log(
    `crashes: ${KILLS} kills (${kinds.join(', ')}) at ${killedAt.join(', ')} items done; answers lost to each: ${lost.join(', ')}; ` +
      `${resent} items answered more than once (in flight at a kill)`,
  );
  for (const n of lost) expect(n).toBeLessThanOrEqual(BATCH);
  const lostInAll = lost.reduce((a, b) => a + b, 0);
  expect(resent).toBeLessThanOrEqual(lostInAll);
  expect(sim.stats().requests).toBe(ITEMS + lostInAll);
});
