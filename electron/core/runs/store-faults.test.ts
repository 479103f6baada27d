// The store failing under a running run: the database full (SQLite's max_page_count on the run's
// connection, which fails writes with SQLITE_FULL as a full disk does), or read-only (query_only:
// SQLITE_READONLY, as a read-only file gives) from a moment on. The run stops with an error that says
// so, nothing is half-written, and a resume once the store is writable again finishes it without
// sending a done item again. The same for a run's worker that hangs (alive, never yielding): the
// service stops it once it has been silent too long. Also: an answered call is committed together
// with its item's result, so a crash never keeps the cost of an answer while losing the answer.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../simulator/index.ts';
import { qaAgent, TEST_PRICING, writeQuestionsCsv } from '../testing/fixtures.ts';
import { WORKER_FAULT_ENV } from './fault-injection.ts';
import { createRunService, type RunServiceOptions, type RunService } from './service.ts';
import { checkStore, withReadonlyDb } from './test-store.ts';

let sim: Simulator;
let dir: string;
let svc: RunService | undefined;

beforeAll(async () => {
  sim = await startSimulator({ latencyMs: 10, latencyJitterMs: 10 });
});
afterAll(async () => {
  await sim.close();
});
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rr-store-faults-'));
});
afterEach(async () => {
  delete process.env[WORKER_FAULT_ENV];
  await svc?.close();
  svc = undefined;
  fs.rmSync(dir, { recursive: true, force: true });
});

let tagCounter = 0;

async function prepare(items: number, options: Partial<RunServiceOptions> = {}) {
  svc = createRunService({ dbPath: path.join(dir, 'rowrunner.db'), apiKey: () => 'sk-test', ...options });
  const tag = `${process.pid}-${++tagCounter}`;
  const question = (i: number): string => `q${i} ${tag}`;
  const ds = await svc.importDataset(await writeQuestionsCsv(path.join(dir, 'items.csv'), items, question));
  const run = svc.createRun({ datasetId: ds.id, agent: qaAgent(sim.url, { pricing: TEST_PRICING }), options: { batchSize: 16 } });
  return { svc, runId: run.runId, prompts: Array.from({ length: items }, (_, i) => `Answer: ${question(i)}`) };
}

// The fault comes once this many items are done: some committed work for the resume to keep.
const FAULT_AFTER_DONE = 50;

const faults = [
  { what: 'a full database', kind: 'full', error: /^the run's results could not be saved: database or disk is full\b.*resume/ },
  { what: 'a readonly database', kind: 'readonly', error: /^the run's results could not be saved: attempt to write a readonly database\b.*resume/ },
  // A worker that loops forever: alive, but silent; the service stops it after workerSilenceMs. A
  // healthy worker is silent while it loads and between its 2 s heartbeats when no item ends: the
  // watch is set well above both, or it could stop the run before the hang.
  {
    what: 'a worker that stops responding',
    kind: 'hang',
    error: /^the run's worker stopped responding \(nothing from it for \d+ s\) and was stopped; resume to continue$/,
    service: { workerSilenceMs: 8000 },
  },
] as const;

it.each(faults)('$what stops the run with a clear error, nothing half-written; resume finishes it', async (fault) => {
  const { kind, error } = fault;
  const items = 2000;
  const { svc, runId, prompts } = await prepare(items, 'service' in fault ? fault.service : {});
  process.env[WORKER_FAULT_ENV] = `${kind}:done=${FAULT_AFTER_DONE}`;
  svc.start(runId);
  delete process.env[WORKER_FAULT_ENV];
  const stopped = await svc.finished(runId);
  expect(stopped.status).toBe('interrupted');
  expect(stopped.error).toMatch(error);
  expect(stopped.totals.done).toBeGreaterThanOrEqual(FAULT_AFTER_DONE);
  expect(stopped.totals.done).toBeLessThan(items);
  expect(stopped.totals.running).toBe(0);
  checkStore(svc.dbPath, Number(runId));

  // What was committed stays; a resume sends only the rest.
  const byPrompt = sim.stats().byPrompt;
  const doneBefore = withReadonlyDb(svc.dbPath, (db) => db.prepare(`SELECT row_index FROM items WHERE run_id = ? AND status = 'done'`).pluck().all(Number(runId)) as number[]);
  expect(doneBefore).toHaveLength(stopped.totals.done);
  svc.resume(runId);
  const info = await svc.finished(runId);
  expect(info.status).toBe('completed');
  expect(info.totals).toMatchObject({ items, done: items, failed: 0 });
  checkStore(svc.dbPath, Number(runId));
  const after = sim.stats().byPrompt;
  for (const i of doneBefore) expect(after.get(prompts[i]), `item ${i} was done`).toBe(byPrompt.get(prompts[i]));

  const out = path.join(dir, 'out.jsonl');
  await svc.exportRun(runId, out);
  const rows = fs.readFileSync(out, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  expect(rows.map((r) => r.id)).toEqual(Array.from({ length: items }, (_, i) => String(i)));
  expect(rows.every((r) => r._status === 'done')).toBe(true);
});

it('commits an answered call together with its item result, never before it', async () => {
  // One event per flush: the most chances to split a call from its item's result.
  const { svc, runId } = await prepare(400, { worker: { flushEvents: 1 } });
  const id = Number(runId);
  svc.start(runId);
  let split = 0;
  let polls = 0;
  const poller = setInterval(() => {
    polls++;
    split += withReadonlyDb(svc.dbPath, (db) =>
      db
        .prepare(
          `SELECT COUNT(*) FROM items i JOIN calls c ON c.run_id = i.run_id AND c.row_index = i.row_index AND c.attempt = i.attempts
           WHERE i.run_id = ? AND i.status = 'running' AND c.status = 200`,
        )
        .pluck()
        .get(id) as number,
    );
  }, 2);
  const info = await svc.finished(runId);
  clearInterval(poller);
  expect(info.status).toBe('completed');
  expect(polls).toBeGreaterThan(20);
  expect(split).toBe(0);
});
