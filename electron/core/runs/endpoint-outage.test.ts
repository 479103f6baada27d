// An endpoint that goes away mid-run: the simulator is closed while a run is under way (a worker
// thread, every event persisted) and started again on the same port once the run has paused. The
// run pauses itself saying why, no row fails for the outage, and it completes once the endpoint
// answers again; a resume during the outage tries the endpoint at once.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { AgentSpecInput } from '../../../shared/domain.ts';
import { startSimulator, type Simulator } from '../simulator/index.ts';
import { createRunService, type RunEvent, type RunService } from './service.ts';
import { checkStore } from './test-store.ts';
import { until } from '../testing/until.ts';
import { qaAgent, questionsInStore } from '../testing/fixtures.ts';

const ITEMS = 400;
const PAUSED = /^the endpoint is not answering: paused \(next try in \d+ s\); last error: the connection failed/;

let sim: Simulator | undefined;
let dir: string;
let svc: RunService | undefined;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rr-outage-'));
});
afterEach(async () => {
  await svc?.close();
  await sim?.close();
  svc = undefined;
  sim = undefined;
  fs.rmSync(dir, { recursive: true, force: true });
});

const agent = (baseURL: string): AgentSpecInput => qaAgent(baseURL, { maxTokensPerCall: 20 });

/** Requests the simulator got that were not chat completions: the probes (GET /v1/models). */
function probes(server: Simulator): number {
  return server.stats().modelRequests;
}

/** A run of ITEMS rows on a fresh store; the simulator closes as soon as some rows are done. */
async function runUntilOutage() {
  sim = await startSimulator({ latencyMs: 50 });
  const port = sim.port;
  const dbPath = path.join(dir, 'rowrunner.db');
  const datasetId = questionsInStore(dbPath, ITEMS);
  const service = createRunService({ dbPath, apiKey: () => 'sk-test' });
  svc = service;
  const { runId } = service.createRun({ datasetId: String(datasetId), agent: agent(sim.url), options: { batchSize: 8, onError: 'continue' } });
  const events: RunEvent[] = [];
  service.subscribe((id, e) => id === runId && events.push(e), { types: ['item-failed', 'paused', 'resumed'] });
  let closing: Promise<void> | undefined;
  service.on('run:progress', (p) => {
    if (p.runId === runId && p.totals.done >= 16) closing ??= sim!.close();
  });
  service.start(runId);
  await until(() => closing !== undefined);
  await closing;
  // Paused by the batch itself, with the reason in the run's error, as the app and the CLI show it.
  await until(() => service.getRun(runId).status === 'paused');
  const paused = service.getRun(runId);
  expect(paused.error).toMatch(PAUSED);
  expect(paused.totals.done).toBeLessThan(ITEMS);
  // The event crosses from the run's worker after the status is committed: wait for it too.
  await until(() => events.some((e) => e.type === 'paused'));
  expect(events.find((e) => e.type === 'paused')).toMatchObject({ reason: 'endpoint', message: expect.stringMatching(PAUSED) });
  return { service, runId, port, dbPath, events };
}

it('a run whose endpoint goes away pauses, fails no row for it, and completes once the endpoint is back', { timeout: 120_000 }, async () => {
  const { service, runId, port, dbPath, events } = await runUntilOutage();
  sim = await startSimulator({ port, latencyMs: 50 });
  const info = await service.finished(runId);

  expect(info.status).toBe('completed');
  expect(info.error).toBeNull();
  expect(info.totals).toMatchObject({ items: ITEMS, done: ITEMS, failed: 0, skipped: 0, pending: 0, running: 0 });
  expect(events.filter((e) => e.type === 'item-failed')).toEqual([]);
  // It went on by itself: a probe found the endpoint back.
  expect(events.some((e) => e.type === 'resumed')).toBe(true);
  expect(probes(sim)).toBeGreaterThanOrEqual(1);
  checkStore(dbPath, Number(runId));
});

it('a resume during the outage tries the endpoint at once; a cancel leaves every unfinished row pending', { timeout: 120_000 }, async () => {
  const { service, runId, port, dbPath, events } = await runUntilOutage();
  // Three probes unanswered (after 1, 2 and 4 s): the next is 8 s away, and the resume does not wait for it.
  await until(() => events.some((e) => e.type === 'paused' && (e.retryInMs ?? 0) >= 8000));
  sim = await startSimulator({ port, latencyMs: 50 });
  const doneBefore = service.getRun(runId).totals.done;
  service.unpause(runId);
  await until(() => service.getRun(runId).status === 'running' && service.getRun(runId).totals.done > doneBefore);
  expect(events.filter((e) => e.type === 'resumed')).toHaveLength(1);
  // The rows were sent again without a probe first.
  expect(probes(sim)).toBe(0);
  await sim.close();
  await until(() => service.getRun(runId).status === 'paused');
  const info = await service.cancel(runId);

  expect(info.status).toBe('cancelled');
  expect(info.totals.failed).toBe(0);
  expect(info.totals.running).toBe(0);
  expect(info.totals.pending).toBe(ITEMS - info.totals.done);
  expect(events.filter((e) => e.type === 'item-failed')).toEqual([]);
  checkStore(dbPath, Number(runId));
});
