import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { migrate, schemaVersion } from '../db.ts';
import { m0001Initial } from './0001-initial.ts';
import { m0002RunCounts } from './0002-run-counts.ts';
import { m0003NarrowRunCounts } from './0003-narrow-run-counts.ts';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rr-m3-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

const counts = (db: Database.Database, run: number) =>
  db.prepare(`SELECT pending, running, done, failed, skipped FROM run_counts WHERE run_id = ?`).get(run);

it('0003 moves the counts of a version-2 database to run_counts and keeps them on status changes', () => {
  const db = new Database(path.join(dir, 'm.db'));
  db.pragma('foreign_keys = ON');
  migrate(db, [m0001Initial, m0002RunCounts]);
  db.prepare(`INSERT INTO datasets (id, name, columns, delimiter, encoding, created_at) VALUES (1, 'd', '[]', ',', 'utf-8', 0)`).run();
  db.prepare(`INSERT INTO runs (id, name, dataset_id, agent, options, status, item_count, created_at) VALUES (1, 'r', 1, '{}', '{}', 'completed', 3, 0)`).run();
  const ins = db.prepare(`INSERT INTO items (run_id, row_index, prompt, status) VALUES (?, ?, 'p', ?)`);
  ['done', 'failed', 'pending'].forEach((s, i) => ins.run(1, i, s));

  expect(migrate(db, [m0001Initial, m0002RunCounts, m0003NarrowRunCounts])).toEqual([3]);
  expect(schemaVersion(db)).toBe(3);
  expect(counts(db, 1)).toEqual({ pending: 1, running: 0, done: 1, failed: 1, skipped: 0 });
  const runColumns = (db.prepare(`PRAGMA table_info(runs)`).all() as { name: string }[]).map((c) => c.name);
  expect(runColumns.filter((c) => c.startsWith('n_'))).toEqual([]);

  // A new run gets its counts row; status changes keep it (inserts count themselves: insertItems).
  db.prepare(`INSERT INTO runs (id, name, dataset_id, agent, options, status, item_count, created_at) VALUES (2, 'r2', 1, '{}', '{}', 'pending', 2, 0)`).run();
  expect(counts(db, 2)).toEqual({ pending: 0, running: 0, done: 0, failed: 0, skipped: 0 });
  ins.run(2, 0, 'pending');
  ins.run(2, 1, 'pending');
  expect(counts(db, 2)).toEqual({ pending: 0, running: 0, done: 0, failed: 0, skipped: 0 });
  db.prepare(`UPDATE run_counts SET pending = 2 WHERE run_id = 2`).run();
  db.prepare(`UPDATE items SET status = 'running' WHERE run_id = 2`).run();
  db.prepare(`UPDATE items SET status = 'done' WHERE run_id = 2 AND row_index = 0`).run();
  db.prepare(`UPDATE items SET status = 'skipped' WHERE run_id = 2 AND row_index = 1`).run();
  expect(counts(db, 2)).toEqual({ pending: 0, running: 0, done: 1, failed: 0, skipped: 1 });
  // Deleting a run takes its counts along.
  db.prepare(`DELETE FROM items WHERE run_id = 2`).run();
  db.prepare(`DELETE FROM runs WHERE id = 2`).run();
  expect(counts(db, 2)).toBeUndefined();
  db.close();
});
