// A database on a full disk: a real small filesystem (a tmpfs of a few MB, mounted for the test)
// filled to the last byte. Reading still works through a read-only open, and the check a resume
// makes before it sends anything says the disk is full instead of letting a session pay for answers
// it cannot keep; once space is freed, it passes.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { beginDataset, finishDataset } from './datasets.ts';
import { checkWritable, openDatabase } from './db.ts';
import { insertItems } from './items.ts';
import { getRun, insertRun, listRuns } from './runs.ts';

const MB = 1024 * 1024;
let mount: string | undefined;
let why = '';

beforeAll(() => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rr-full-disk-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', dir], { stdio: 'pipe' });
    mount = dir;
  } catch (err) {
    why = (err as Error).message.split('\n')[0];
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
afterAll(() => {
  if (!mount) return;
  execFileSync('umount', [mount]);
  fs.rmSync(mount, { recursive: true, force: true });
});

/** Writes a file until the disk is full; returns its path. */
function fill(dir: string): string {
  const file = path.join(dir, 'filler');
  const fd = fs.openSync(file, 'w');
  const chunk = Buffer.alloc(64 * 1024, 1);
  try {
    for (let i = 0; i < 1024; i++) fs.writeSync(fd, chunk); // bounded: 64 MB, far beyond the mount
    throw new Error('the disk never filled');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
  } finally {
    fs.closeSync(fd);
  }
  return file;
}

it('on a full disk a read-only open reads the runs, and the can-write check refuses before anything is sent', (ctx) => {
  if (!mount) {
    ctx.skip(`no tmpfs could be mounted here (${why})`);
    return;
  }
  const file = path.join(mount, 'rowrunner.db');
  const db = openDatabase(file);
  const runId = db.transaction(() => {
    const ds = beginDataset(db, { name: 'd', sourcePath: null });
    finishDataset(db, ds, 100);
    const id = insertRun(db, { name: 'r', datasetId: ds, agent: { name: 'a' } as never, options: {} as never, itemCount: 100 });
    insertItems(db, id, Array.from({ length: 100 }, (_, i) => ({ index: i, prompt: `p${i}` })));
    return id;
  })();
  checkWritable(db, 1 * MB);

  // Filled while the writer is open (its WAL and shared memory in place), as a run fills a disk.
  const filler = fill(mount);
  try {
    const reader = openDatabase(file, { readonly: true });
    try {
      expect(listRuns(reader).map((r) => r.id)).toEqual([runId]);
      expect(getRun(reader, runId)!.counts.pending).toBe(100);
      expect(() => reader.prepare(`UPDATE runs SET name = 'x'`).run()).toThrow(/readonly/);
    } finally {
      reader.close();
    }
    expect(() => checkWritable(db, 1 * MB)).toThrow(/database or disk is full|has 0\.\d MB free/);
  } finally {
    fs.rmSync(filler);
  }
  db.close();
  const again = openDatabase(file);
  checkWritable(again, 1 * MB);
  again.close();
});

it('a read-only open creates nothing and names a missing file', () => {
  const missing = path.join(os.tmpdir(), `rr-missing-${process.pid}`, 'rowrunner.db');
  expect(() => openDatabase(missing, { readonly: true })).toThrow(/does not exist/);
  expect(fs.existsSync(path.dirname(missing))).toBe(false);
});
