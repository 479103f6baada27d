// A database on a full disk: a real small filesystem (a tmpfs of a few MB, mounted for the test)
// filled to the last byte. Reading still works through a read-only open, and the check a resume
// makes before it sends anything says the disk is full instead of letting a session pay for answers
// it cannot keep; once space is freed, it passes.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { beginDataset, finishDataset } from './datasets.ts';
import { checkWritable, openDatabase } from './db.ts';
import { insertItems } from './items.ts';
import { getRun, insertRun, listRuns } from './runs.ts';
import { fillDisk, mountSmallDisk, type SmallDisk } from '../testing/tmpfs.ts';

const MB = 1024 * 1024;
let disk: SmallDisk;

beforeAll(() => {
  disk = mountSmallDisk('4m', 'rr-full-disk-');
});
afterAll(() => {
  disk.unmount();
});

it('on a full disk a read-only open reads the runs, and the can-write check refuses before anything is sent', (ctx) => {
  const mount = disk.dir;
  if (!mount) {
    ctx.skip(`no tmpfs could be mounted here (${disk.why})`);
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
  const filler = fillDisk(mount);
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
