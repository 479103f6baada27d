// A provider that quotes the key back in its error: the key reaches neither the database file nor an export.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../simulator/index.ts';
import { createRunService, type RunService } from './service.ts';

const KEY = 'sk-proj-Echo7Hq2Lm9Tz4Wx';

let sim: Simulator;
let dir: string;
let svc: RunService;
beforeAll(async () => {
  sim = await startSimulator();
});
afterAll(async () => {
  await sim.close();
});
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rr-redact-'));
  svc = createRunService({ dbPath: path.join(dir, 'rowrunner.db'), apiKey: () => KEY });
});
afterEach(async () => {
  await svc.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Every byte the store wrote: the database file and whatever its WAL still holds. */
function storedBytes(): Buffer {
  const files = fs.readdirSync(dir).filter((f) => f.startsWith('rowrunner.db'));
  return Buffer.concat(files.map((f) => fs.readFileSync(path.join(dir, f))));
}

it("stores and exports a provider's error that quoted the key with the key replaced, in the item and the run", async () => {
  const csv = path.join(dir, 'q.csv');
  fs.writeFileSync(csv, `question\nfirst ${process.pid}\nsecond ${process.pid} [[echokey]]\nthird ${process.pid}\n`);
  const ds = await svc.importDataset(csv);
  const agent = { name: 'qa', model: 'sim-model', baseURL: sim.url, prompt: 'Answer: {{question}}' };
  const run = svc.createRun({ datasetId: ds.id, agent, options: { batchSize: 1, onError: 'stop' } });
  svc.start(run.runId);
  const ended = await svc.finished(run.runId);

  // The provider did quote it: the request went out with the key, and the error came back with it.
  expect(ended.status).toBe('stopped-error');
  const item = svc.itemDetail(run.runId, 1);
  expect(item.status).toBe('failed');
  expect(item.error).toContain('Bearer [redacted key]');
  expect(ended.error).toContain('[redacted key]');
  expect(ended.error).not.toContain(KEY);

  const out = path.join(dir, 'out.csv');
  await svc.exportRun(run.runId, out, 'csv');
  const exported = fs.readFileSync(out, 'utf8');
  expect(exported).toContain('[redacted key]');
  expect(exported).not.toContain(KEY);

  await svc.close();
  const bytes = storedBytes();
  expect(bytes.includes('[redacted key]')).toBe(true);
  expect(bytes.includes(KEY)).toBe(false);
});
