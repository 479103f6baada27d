// Stopping a large run: a cancel or a budget stop leaves the items the batch never started in one
// statement (pending after a cancel, skipped after a budget stop), not one event and one UPDATE each,
// so a run of 200,000 items ends as it should (cancelled, stopped-budget; never interrupted by the
// silence watch) with every answer the simulator sent saved.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from 'vitest';
import type { AgentSpecInput } from '../../../shared/domain.ts';
import { startSimulator, type Simulator } from '../simulator/index.ts';
import { createRunService, type RunService } from './service.ts';
import { checkStore, withReadonlyDb } from './test-store.ts';
import { until } from '../testing/until.ts';
import { qaAgent, questionsInStore, TEST_PRICING } from '../testing/fixtures.ts';

const ITEMS = 200_000;

let sim: Simulator;
let dir: string;
let svc: RunService | undefined;

beforeAll(async () => {
  sim = await startSimulator({ latencyMs: 20 });
});
afterAll(async () => {
  await sim.close();
});
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rr-stop-'));
});
afterEach(async () => {
  await svc?.close();
  svc = undefined;
  fs.rmSync(dir, { recursive: true, force: true });
});

const agent = (baseURL: string): AgentSpecInput => qaAgent(baseURL, { pricing: TEST_PRICING });

const counts = (dbPath: string, runId: number) =>
  withReadonlyDb(dbPath, (db) => db.prepare(`SELECT pending, running, done, failed, skipped FROM run_counts WHERE run_id = ?`).get(runId) as Record<string, number>);
const answersSaved = (dbPath: string, runId: number) =>
  withReadonlyDb(dbPath, (db) => db.prepare(`SELECT COUNT(*) FROM calls WHERE run_id = ? AND status = 200`).pluck().get(runId) as number);

/** A service over a fresh database with a run of ITEMS items, and the rows it reports changed. */
function prepare(options: { maxCost?: number } = {}) {
  const dbPath = path.join(dir, 'rowrunner.db');
  const datasetId = questionsInStore(dbPath, ITEMS);
  const service = createRunService({ dbPath, apiKey: () => 'sk-test', workerSilenceMs: 10_000 });
  svc = service;
  const run = service.createRun({ datasetId: String(datasetId), agent: { ...agent(sim.url), maxTokensPerCall: 20 }, options: { batchSize: 32, ...options } });
  const changed = new Set<number>();
  service.on('run:items', (p) => {
    for (const i of p.indexes) changed.add(i);
  });
  return { svc: service, dbPath, runId: run.runId, id: Number(run.runId), changed };
}

it(`a cancel of a ${ITEMS.toLocaleString('en-US')}-item run ends cancelled, the rest left pending at once, every answer saved`, { timeout: 120_000 }, async () => {
  const { svc, dbPath, runId, id, changed } = prepare();
  sim.resetStats();
  svc.start(runId);
  await until(() => counts(dbPath, id).done >= 200);
  // Paused, the calls in flight finish and nothing new starts: every answer the simulator sends
  // before the cancel has arrived.
  svc.pause(runId);
  await until(() => counts(dbPath, id).running === 0 && sim.stats().inFlight === 0);
  const info = await svc.cancel(runId);

  expect(info.status).toBe('cancelled');
  const sent = sim.stats().byStatus[200] ?? 0;
  expect(answersSaved(dbPath, id)).toBe(sent);
  const c = counts(dbPath, id);
  expect(c.done).toBe(sent);
  expect(c).toMatchObject({ pending: ITEMS - sent, running: 0, failed: 0, skipped: 0 });
  // The rows written are the ones the batch ran, not the 199,000-odd it never started.
  expect(changed.size).toBeLessThanOrEqual(sent);
  checkStore(dbPath, id);
});

it(`a budget stop of a ${ITEMS.toLocaleString('en-US')}-item run skips the rest in one statement and ends stopped-budget`, { timeout: 120_000 }, async () => {
  // Each call costs some $0.000003 here: a few hundred items' worth.
  const { svc, dbPath, runId, id, changed } = prepare({ maxCost: 0.001 });
  sim.resetStats();
  svc.start(runId);
  const info = await svc.finished(runId);

  expect(info.status).toBe('stopped-budget');
  expect(info.error).toMatch(/budget reached \(max cost \$0\.001\)/);
  const sent = sim.stats().byStatus[200] ?? 0;
  expect(sent).toBeGreaterThan(0);
  const c = counts(dbPath, id);
  // Every answer that arrived is saved; items cut short by the budget between turns are skipped too.
  expect(answersSaved(dbPath, id)).toBeLessThanOrEqual(sent);
  expect(c.done).toBe(answersSaved(dbPath, id));
  expect(c).toMatchObject({ pending: 0, running: 0, failed: 0, skipped: ITEMS - c.done });
  const reasons = withReadonlyDb(dbPath, (db) => db.prepare(`SELECT DISTINCT skip_reason FROM items WHERE run_id = ? AND status = 'skipped'`).pluck().all(id));
  expect(reasons).toEqual(['budget']);
  expect(changed.size).toBeLessThan(2 * c.done + 64);
  checkStore(dbPath, id);
});
