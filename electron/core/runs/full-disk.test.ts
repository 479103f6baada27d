// A disk that fills in the middle of a run: a real small filesystem (a tmpfs mounted for the test)
// holds the database, and the test fills it once the run has done some items. The run ends
// interrupted with the disk-full error (never left 'running'), nothing half-written; once space is
// freed, the can-write check passes and a resume finishes the run without sending a done item again.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { checkWritable, openDatabase } from '../store/db.ts';
import { startSimulator, type Simulator } from '../simulator/index.ts';
import { createRunService } from './service.ts';
import { checkStore, withReadonlyDb } from './test-store.ts';
import { fillDisk, mountSmallDisk, type SmallDisk } from '../testing/tmpfs.ts';

const ITEMS = 1500;
let sim: Simulator;
let disk: SmallDisk;

beforeAll(async () => {
  sim = await startSimulator({ latencyMs: 10 });
  disk = mountSmallDisk('48m', 'rr-full-run-');
});
afterAll(async () => {
  await sim.close();
  disk.unmount();
});

it('a disk that fills mid-run ends the run interrupted with the error; with space freed, resume finishes it', { timeout: 120_000 }, async (ctx) => {
  const mount = disk.dir;
  if (!mount) {
    ctx.skip(`no tmpfs could be mounted here (${disk.why})`);
    return;
  }
  const dbPath = path.join(mount, 'rowrunner.db');
  const svc = createRunService({ dbPath, apiKey: () => 'sk-test' });
  try {
    const csv = path.join(os.tmpdir(), `rr-full-run-${process.pid}.csv`);
    fs.writeFileSync(csv, ['id,question', ...Array.from({ length: ITEMS }, (_, i) => `${i},q${i}`)].join('\n') + '\n');
    const ds = await svc.importDataset(csv);
    fs.rmSync(csv);
    const run = svc.createRun({
      datasetId: ds.id,
      agent: {
        name: 'qa',
        model: 'sim-model',
        baseURL: sim.url,
        prompt: 'Answer: {{question}}',
        tools: [{ name: 'answer', description: 'Give the answer', parameters: { type: 'object', properties: { answer: { type: 'string' } }, required: ['answer'] } }],
        doneIfTool: true,
        output: { answer: 'answer' },
      },
      options: { batchSize: 16 },
    });
    const id = Number(run.runId);
    const done = () => withReadonlyDb(dbPath, (db) => db.prepare(`SELECT done FROM run_counts WHERE run_id = ?`).pluck().get(id) as number);
    svc.start(run.runId);
    while (done() < 100) await new Promise((r) => setTimeout(r, 10));
    const filler = fillDisk(mount);
    const stopped = await svc.finished(run.runId);
    expect(stopped.status).toBe('interrupted');
    expect(stopped.error).toMatch(/database or disk is full/);
    expect(stopped.totals.running).toBe(0);
    checkStore(dbPath, id);

    // Still full: the check a resume makes refuses before anything is sent.
    const probe = openDatabase(dbPath);
    expect(() => checkWritable(probe, 4 * 1024 * 1024)).toThrow(/database or disk is full|MB free/);
    fs.rmSync(filler);
    checkWritable(probe, 4 * 1024 * 1024);
    probe.close();

    const byPrompt = sim.stats().byPrompt;
    const doneBefore = withReadonlyDb(dbPath, (db) => db.prepare(`SELECT prompt FROM items WHERE run_id = ? AND status = 'done'`).pluck().all(id) as string[]);
    svc.resume(run.runId);
    const info = await svc.finished(run.runId);
    expect(info.status).toBe('completed');
    expect(info.totals).toMatchObject({ items: ITEMS, done: ITEMS, failed: 0 });
    checkStore(dbPath, id);
    const after = sim.stats().byPrompt;
    for (const p of doneBefore) expect(after.get(p), p).toBe(byPrompt.get(p));
  } finally {
    await svc.close();
  }
});
