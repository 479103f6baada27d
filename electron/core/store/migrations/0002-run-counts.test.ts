import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { migrate, schemaVersion } from '../db.ts';
import { m0001Initial } from './0001-initial.ts';
import { m0002RunCounts } from './0002-run-counts.ts';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rr-m2-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

type Counts = { n_pending: number; n_running: number; n_done: number; n_failed: number; n_skipped: number };
const counts = (db: Database.Database, run: number) =>
  db.prepare(`SELECT n_pending, n_running, n_done, n_failed, n_skipped FROM runs WHERE id = ?`).get(run) as Counts;

it('0002 backfills run counts from a version-1 database, then keeps them by trigger', () => {
  const db = new Database(path.join(dir, 'm.db'));
  db.pragma('foreign_keys = ON');
  migrate(db, [m0001Initial]);
  db.prepare(`INSERT INTO datasets (id, name, columns, delimiter, encoding, created_at) VALUES (1, 'd', '[]', ',', 'utf-8', 0)`).run();
  db.prepare(`INSERT INTO runs (id, name, dataset_id, agent, options, status, item_count, created_at) VALUES (1, 'r', 1, '{}', '{}', 'completed', 4, 0)`).run();
  const ins = db.prepare(`INSERT INTO items (run_id, row_index, prompt, status) VALUES (1, ?, 'p', ?)`);
  ['done', 'done', 'failed', 'pending'].forEach((s, i) => ins.run(i, s));

  expect(migrate(db, [m0001Initial, m0002RunCounts])).toEqual([2]);
  expect(schemaVersion(db)).toBe(2);
  expect(counts(db, 1)).toEqual({ n_pending: 1, n_running: 0, n_done: 2, n_failed: 1, n_skipped: 0 });

  ins.run(4, 'pending');
  db.prepare(`UPDATE items SET status = 'running' WHERE row_index IN (3, 4)`).run();
  db.prepare(`UPDATE items SET status = 'done' WHERE row_index = 3`).run();
  db.prepare(`UPDATE items SET status = 'skipped' WHERE row_index = 4`).run();
  db.prepare(`UPDATE items SET status = 'done' WHERE row_index = 0`).run(); // no change
  expect(counts(db, 1)).toEqual({ n_pending: 0, n_running: 0, n_done: 3, n_failed: 1, n_skipped: 1 });
  db.prepare(`DELETE FROM items WHERE row_index = 2`).run();
  expect(counts(db, 1)).toEqual({ n_pending: 0, n_running: 0, n_done: 3, n_failed: 0, n_skipped: 1 });
  db.close();
});
