// Exactly once across crashes: the CLI is killed with SIGKILL at random points of a 2,000-item run
// against the simulator (with latency), and resumed after each kill. In the end every item is done
// exactly once, in order, the totals equal the sum over the items, and no item that was done when a
// process died was ever sent to the model again.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../simulator/index.ts';
import { prng } from '../simulator/hash.ts';
import { lastJson, spawnCli } from './test-helpers.ts';

const ITEMS = 2000;
const KILLS = 5;

let sim: Simulator;
let dir: string;

beforeAll(async () => {
  sim = await startSimulator({ latencyMs: 25, latencyJitterMs: 25 });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rr-crash-'));
});
afterAll(async () => {
  await sim.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

function doneNow(dbPath: string, runId: number): { prompt: string }[] {
  const db = new Database(dbPath, { readonly: true });
  try {
    return db.prepare(`SELECT prompt FROM items WHERE run_id = ? AND status = 'done'`).all(runId) as { prompt: string }[];
  } finally {
    db.close();
  }
}

it(`survives ${KILLS} kill -9 at random points of a ${ITEMS}-item run, each followed by resume`, { timeout: 240_000 }, async () => {
  const tag = `crash-${process.pid}`;
  const csv = path.join(dir, 'items.csv');
  fs.writeFileSync(csv, ['id,question', ...Array.from({ length: ITEMS }, (_, i) => `${i},question ${i} ${tag}`)].join('\n') + '\n');
  const agent = path.join(dir, 'agent.json');
  fs.writeFileSync(
    agent,
    JSON.stringify({
      name: 'qa',
      model: 'sim-model',
      prompt: 'Answer briefly: {{question}}',
      tools: [{ name: 'answer', description: 'Give the answer', parameters: { type: 'object', properties: { answer: { type: 'string' }, confidence: { type: 'number' } }, required: ['answer', 'confidence'] } }],
      doneIfTool: true,
      output: { answer: 'answer', confidence: 'confidence' },
      pricing: { inputPerMTok: 0.15, outputPerMTok: 0.6 },
    }),
  );
  const dbPath = path.join(dir, 'rowrunner.db');
  const env = { OPENAI_BASE_URL: sim.url, OPENAI_API_KEY: 'sk-test', ROWRUNNER_DB: dbPath };
  const random = prng(20261128);
  const promptOf = (i: number) => `Answer briefly: question ${i} ${tag}`;

  // For every item done when a process died: how many requests had carried its prompt by then.
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
  for (let k = 0; k < KILLS; k++) {
    const args = k === 0 ? ['run', csv, '--agent', agent, '--batch-size', '16'] : ['resume', String(runId)];
    const p = spawnCli(args, env);
    const m = await p.waitForStderr(/Run (\d+): /);
    runId = Number(m[1]);
    // Once this session has committed results of its own, at a random point well before the end.
    const before = doneNow(dbPath, runId).length;
    while (doneNow(dbPath, runId).length === before) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, Math.floor(random() * 500)));
    p.child.kill('SIGKILL');
    const res = await p.result;
    expect(res.signal).toBe('SIGKILL');
    await new Promise((r) => setTimeout(r, 100)); // requests already on the wire reach the simulator
    checkNoneResent();
    snapshotDone(runId);
    killedAt.push(requestsWhenDone.size);
  }
  // Every session got somewhere before it was killed, and the run was not over before the last one.
  for (let k = 1; k < KILLS; k++) expect(killedAt[k]).toBeGreaterThan(killedAt[k - 1]);
  expect(killedAt.at(-1)).toBeLessThan(ITEMS);

  const out = path.join(dir, 'results.jsonl');
  const final = spawnCli(['resume', String(runId), '--out', out, '--json'], env);
  const res = await final.result;
  expect(res.code, res.stderr).toBe(0);
  expect(res.stderr).toMatch(/resuming \d/);
  checkNoneResent();

  const summary = lastJson(res.stdout);
  expect(summary).toMatchObject({ runId: String(runId), status: 'completed', items: ITEMS, done: ITEMS, failed: 0, skipped: 0 });

  // Every item done exactly once, in order.
  const rows = fs.readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  expect(rows).toHaveLength(ITEMS);
  rows.forEach((row, i) => {
    expect(row.id).toBe(String(i));
    expect(row._status).toBe('done');
    expect(row.answer).toEqual(expect.stringContaining(`question ${i} `));
  });

  // Totals equal the sum over the items (each item's own sum spans all its attempts).
  const sum = (key: string) => rows.reduce((s, r) => s + (r[key] as number), 0);
  expect(sum('_prompt_tokens')).toBe(summary.promptTokens);
  expect(sum('_completion_tokens')).toBe(summary.completionTokens);
  expect(sum('_cost_usd')).toBeCloseTo(summary.costUsd as number, 9);
  const db = new Database(dbPath, { readonly: true });
  const ledger = db.prepare(`SELECT SUM(prompt_tokens) AS p, SUM(completion_tokens) AS c, COUNT(*) AS n FROM calls WHERE run_id = ?`).get(runId) as { p: number; c: number; n: number };
  const attempts = db.prepare(`SELECT SUM(attempts) FROM items WHERE run_id = ?`).pluck().get(runId) as number;
  db.close();
  expect(ledger.p).toBe(summary.promptTokens);
  expect(ledger.c).toBe(summary.completionTokens);

  // What the server answered: every item at least once; only items caught in flight by a kill more
  // than once, and never more requests than the ledger and the lost in-flight calls explain.
  const completed = sim.stats().completedByPrompt;
  let resent = 0;
  for (let i = 0; i < ITEMS; i++) {
    const n = completed.get(promptOf(i)) ?? 0;
    expect(n, `item ${i}`).toBeGreaterThanOrEqual(1);
    if (n > 1) resent++;
  }
  expect(resent).toBeLessThanOrEqual(KILLS * 16 * 2); // at most the windows in flight at each kill
  expect(attempts).toBeGreaterThanOrEqual(ITEMS);
});
