// A disk that fills in the middle of a run: a real small filesystem (a tmpfs mounted for the test)
// holds the database, and the test fills it once the run has done some items. The run ends
// interrupted with the disk-full error (never left 'running'), nothing half-written; once space is
// freed, the can-write check passes and a resume finishes the run without sending a done item again.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { checkWritable, openDatabase } from '../store/db.ts';
import { startSimulator, type Simulator } from '../simulator/index.ts';
import { createRunService } from './service.ts';
import { checkStore, withReadonlyDb } from './test-store.ts';

const ITEMS = 1500;
let sim: Simulator;
let mount: string | undefined;
let why = '';

beforeAll(async () => {
  sim = await startSimulator({ latencyMs: 10 });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rr-full-run-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=48m', 'tmpfs', dir], { stdio: 'pipe' });
    mount = dir;
  } catch (err) {
    why = (err as Error).message.split('\n')[0];
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
afterAll(async () => {
  await sim.close();
  if (!mount) return;
  execFileSync('umount', [mount]);
  fs.rmSync(mount, { recursive: true, force: true });
});

/** Writes a file until the disk is full (bounded far beyond the mount's size); returns its path. */
function fill(dir: string): string {
  const file = path.join(dir, 'filler');
  const fd = fs.openSync(file, 'w');
  const chunk = Buffer.alloc(256 * 1024, 1);
  try {
    for (let i = 0; i < 1024; i++) fs.writeSync(fd, chunk);
    throw new Error('the disk never filled');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
  } finally {
    fs.closeSync(fd);
  }
  return file;
}

it('a disk that fills mid-run ends the run interrupted with the error; with space freed, resume finishes it', { timeout: 120_000 }, async (ctx) => {
  if (!mount) {
    ctx.skip(`no tmpfs could be mounted here (${why})`);
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
    const filler = fill(mount);
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
