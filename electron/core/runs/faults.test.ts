// Faults: one 5,000-item run through the runs service (a worker thread, every event persisted) against
// a simulator that answers 10% of requests 500, 5% 429 with retry-after, 2% with malformed tool
// arguments, hangs on 1% and drops 1% of connections. A few items are pinned to fail every attempt
// in one of those ways (and one with a 400, which is not retried). The run finishes; every item that
// can succeed does; the rest fail with an error that says what happened; once the faults stop,
// retry-failed finishes them. No item is lost or duplicated, and nothing is charged twice: every
// request the server received is one row of the calls ledger, every answer it sent is counted once,
// and the run's totals equal the sums over the items and over the ledger.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../simulator/index.ts';
import { qaAgent, TEST_PRICING, writeQuestionsCsv } from '../testing/fixtures.ts';
import { createRunService, type RunService } from './service.ts';

const ITEMS = 5000;
const FAULTS = { error500: 0.1, rateLimit429: 0.05, malformedToolArgs: 0.02, hang: 0.01, drop: 0.01 };
/**
 * Per attempt; the hanging requests cost this each. Well above any answer's time, so that no answer
 * the server sent can be cut off by it (the ledger is checked against what the server counted).
 */
const TIMEOUT_MS = 2000;
const TURNS = 3;

/** Items that fail every attempt of the first session, and what their error must say. */
const PINNED: Record<number, { directive: string; error: RegExp }> = {
  101: { directive: '[[status:500x6]]', error: /^HTTP 500\b.*\(gave up after 6 attempts\)$/ },
  1202: { directive: '[[status:429x6]]', error: /^HTTP 429\b.*[Rr]ate limit.*\(gave up after 6 attempts\)$/ },
  // A call that times out is retried once only.
  2303: { directive: '[[hangx2]]', error: /^the request timed out after 2 s \(gave up after 2 attempts\)$/ },
  3404: { directive: '[[dropx6]]', error: /^the connection failed\b.*\(gave up after 6 attempts\)$/ },
  4505: { directive: '[[status:400x1]]', error: /^HTTP 400\b/ },
  4999: { directive: '[[badargsx3]]', error: /^no answer within 3 turns; the last: the arguments of "answer" are not valid JSON/ },
};
/** What any failure's message starts with: the kind of fault, in words. */
const KNOWN_FAILURE = /^(HTTP \d{3}\b|the request timed out|the connection failed|no answer within \d+ turns)/;

let sim: Simulator;
let dir: string;
let svc: RunService;

beforeAll(async () => {
  sim = await startSimulator({ latencyMs: 2, latencyJitterMs: 4, seed: 20261128, faults: FAULTS });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rr-faults-'));
  svc = createRunService({ dbPath: path.join(dir, 'rowrunner.db'), apiKey: () => 'sk-test' });
});
afterAll(async () => {
  await svc?.close();
  await sim?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

interface CallRow {
  row_index: number;
  status: number;
  prompt_tokens: number;
  completion_tokens: number;
}

/** The store's side of the accounting, checked against the simulator's. */
function checkLedger(runId: string, prompts: string[]): { byStatus: Record<number, number> } {
  const db = new Database(svc.dbPath, { readonly: true });
  try {
    const id = Number(runId);
    const calls = db.prepare(`SELECT row_index, status, prompt_tokens, completion_tokens FROM calls WHERE run_id = ?`).all(id) as CallRow[];
    const run = db.prepare(`SELECT prompt_tokens AS p, completion_tokens AS c, cost_usd AS cost, call_count AS n FROM runs WHERE id = ?`).get(id) as {
      p: number;
      c: number;
      cost: number;
      n: number;
    };
    const items = db.prepare(`SELECT SUM(prompt_tokens) AS p, SUM(completion_tokens) AS c, SUM(cost_usd) AS cost FROM items WHERE run_id = ?`).get(id) as {
      p: number;
      c: number;
      cost: number;
    };
    const ledger = db.prepare(`SELECT SUM(prompt_tokens) AS p, SUM(completion_tokens) AS c, SUM(cost_usd) AS cost FROM calls WHERE run_id = ?`).get(id) as {
      p: number;
      c: number;
      cost: number;
    };
    // The run's totals = the sum over its items = the sum over its calls.
    expect(run.n).toBe(calls.length);
    expect(run.p).toBe(ledger.p);
    expect(run.c).toBe(ledger.c);
    expect(run.cost).toBeCloseTo(ledger.cost, 9);
    expect(items.p).toBe(ledger.p);
    expect(items.c).toBe(ledger.c);
    expect(items.cost).toBeCloseTo(ledger.cost, 9);
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');

    // Against the server: every request it received is one row of the ledger; every answer it sent
    // (and the tokens it reported) is counted once, on the item whose prompt it answered.
    const s = sim.stats();
    // A row that fails alone at the end of the run has the endpoint probed once (GET /v1/models): not a call.
    expect(calls.length).toBe(s.requests - s.modelRequests);
    const byStatus: Record<number, number> = {};
    const answeredPerItem = new Map<number, number>();
    for (const c of calls) {
      byStatus[c.status] = (byStatus[c.status] ?? 0) + 1;
      if (c.status === 200) answeredPerItem.set(c.row_index, (answeredPerItem.get(c.row_index) ?? 0) + 1);
    }
    for (const [status, n] of Object.entries(s.byStatus)) {
      if (status !== '0') expect(byStatus[Number(status)] ?? 0, `HTTP ${status}`).toBe(status === '200' ? n - s.modelRequests : n);
    }
    // Dropped connections (the server counts them under 0) and requests never answered (hangs,
    // which time out) are the ledger's status 0.
    const unanswered = s.requests - Object.values(s.byStatus).reduce((a, b) => a + b, 0);
    expect(byStatus[0] ?? 0).toBe((s.byStatus[0] ?? 0) + unanswered);
    expect(ledger.p).toBe(s.promptTokens);
    expect(ledger.c).toBe(s.completionTokens);
    prompts.forEach((prompt, i) => expect(answeredPerItem.get(i) ?? 0, `answers to item ${i}`).toBe(s.completedByPrompt.get(prompt) ?? 0));
    return { byStatus };
  } finally {
    db.close();
  }
}

it(`a ${ITEMS}-item run under 500s, 429s, malformed arguments, hangs and drops loses nothing and charges nothing twice`, { timeout: 300_000 }, async () => {
  const tag = `faults-${process.pid}`;
  const questions = Array.from({ length: ITEMS }, (_, i) => `q${i} ${tag}${PINNED[i] ? ` ${PINNED[i].directive}` : ''}`);
  const prompts = questions.map((q) => `Answer: ${q}`);
  const ds = await svc.importDataset(await writeQuestionsCsv(path.join(dir, 'items.csv'), ITEMS, (i) => questions[i]));
  const agent = qaAgent(sim.url, { confidence: true, pricing: TEST_PRICING });
  const run = svc.createRun({ datasetId: ds.id, agent, options: { batchSize: 64, turns: TURNS, timeoutMs: TIMEOUT_MS } });
  const started = performance.now();
  svc.start(run.runId);
  const first = await svc.finished(run.runId);
  const firstSeconds = (performance.now() - started) / 1000;

  // The run finished, with every item done or failed.
  expect(first.status).toBe('completed');
  expect(first.totals).toMatchObject({ items: ITEMS, pending: 0, running: 0, skipped: 0 });
  expect(first.totals.done + first.totals.failed).toBe(ITEMS);
  const failed = svc.itemsPage({ runId: run.runId, offset: 0, limit: ITEMS, status: 'failed' }).rows;
  for (const item of failed) expect(item.error, `item ${item.index}`).toMatch(KNOWN_FAILURE);
  // Each pinned item failed, saying how.
  for (const [index, pin] of Object.entries(PINNED)) {
    const item = svc.itemDetail(run.runId, Number(index));
    expect(item.status, `item ${index}`).toBe('failed');
    expect(item.error, `item ${index}`).toMatch(pin.error);
  }
  const stats = sim.stats();
  const { byStatus } = checkLedger(run.runId, prompts);
  // The faults did happen, at about their rates.
  expect(byStatus[500]).toBeGreaterThan(0.05 * stats.requests);
  expect(byStatus[429]).toBeGreaterThan(0.02 * stats.requests);
  expect(byStatus[0]).toBeGreaterThan(0.01 * stats.requests);
  const failedFirst = failed.length;
  const randomFailures = failed.filter((i) => !PINNED[i.index]);

  // The faults stop; retry-failed sends the failed items again, and only them.
  sim.setOptions({ faults: undefined });
  const before = sim.stats().byPrompt;
  const failedSet = new Set(failed.map((i) => i.index));
  const retryStarted = performance.now();
  svc.retryFailed(run.runId);
  const second = await svc.finished(run.runId);
  const retrySeconds = (performance.now() - retryStarted) / 1000;
  expect(second.status).toBe('completed');
  expect(second.totals).toMatchObject({ items: ITEMS, done: ITEMS, failed: 0, pending: 0, running: 0, skipped: 0 });
  const after = sim.stats().byPrompt;
  prompts.forEach((prompt, i) => {
    if (!failedSet.has(i)) expect(after.get(prompt), `item ${i} was done: not sent again`).toBe(before.get(prompt));
    else expect(after.get(prompt)!, `item ${i}`).toBeGreaterThan(before.get(prompt)!);
  });
  checkLedger(run.runId, prompts);

  // The export: every row exactly once, in order, done, with its own answer.
  const out = path.join(dir, 'results.jsonl');
  const exported = await svc.exportRun(run.runId, out);
  expect(exported.rows).toBe(ITEMS);
  const rows = fs.readFileSync(out, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  expect(rows).toHaveLength(ITEMS);
  rows.forEach((row, i) => {
    expect(row.id).toBe(String(i));
    expect(row._status).toBe('done');
    expect(row._error).toBeNull();
    expect(row.answer).toEqual(expect.stringContaining(`q${i} ${tag}`));
  });

  console.log(
    `faults: ${ITEMS} items, ${stats.requests} requests in ${firstSeconds.toFixed(1)} s ` +
      `(500: ${byStatus[500]}, 429: ${byStatus[429]}, dropped or timed out: ${byStatus[0]}); ` +
      `${failedFirst} failed before retry-failed (${Object.keys(PINNED).length} pinned, ${randomFailures.length} from random faults` +
      `${randomFailures.length ? `: ${randomFailures.map((i) => i.error).join('; ')}` : ''}); ` +
      `retry-failed finished them in ${retrySeconds.toFixed(1)} s`,
  );
});
