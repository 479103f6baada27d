import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { migrate, schemaVersion } from '../db.ts';
import { m0001Initial } from './0001-initial.ts';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rr-m1-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

it('0001 creates the datasets, runs, items, transcripts and calls tables with their indexes', () => {
  const db = new Database(path.join(dir, 'm.db'));
  db.pragma('foreign_keys = ON');
  expect(migrate(db, [m0001Initial])).toEqual([1]);
  expect(schemaVersion(db)).toBe(1);
  const names = db.prepare(`SELECT name FROM sqlite_master WHERE type IN ('table', 'index') AND name NOT LIKE 'sqlite_%'`).pluck().all();
  for (const n of ['datasets', 'dataset_rows', 'runs', 'items', 'transcripts', 'calls', 'items_status', 'items_cost', 'items_latency', 'calls_item']) {
    expect(names).toContain(n);
  }

  // The schema holds a dataset used by two runs, each with items, a transcript and ledger rows.
  db.prepare(`INSERT INTO datasets (id, name, columns, delimiter, encoding, created_at) VALUES (1, 'd', '["q"]', ',', 'utf-8', 0)`).run();
  db.prepare(`INSERT INTO dataset_rows (dataset_id, row_index, vals) VALUES (1, 0, '["hi"]')`).run();
  for (const run of [1, 2]) {
    db.prepare(`INSERT INTO runs (id, name, dataset_id, agent, options, status, item_count, created_at) VALUES (?, 'r', 1, '{}', '{}', 'pending', 1, 0)`).run(run);
    db.prepare(`INSERT INTO items (run_id, row_index, prompt) VALUES (?, 0, 'hi')`).run(run);
    db.prepare(`INSERT INTO transcripts (run_id, row_index, messages) VALUES (?, 0, '[]')`).run(run);
    db.prepare(`INSERT INTO calls (run_id, row_index, attempt, prompt_tokens, completion_tokens, cost_usd, latency_ms, status, created_at) VALUES (?, 0, 1, 5, 6, 0.1, 10, 200, 0)`).run(run);
  }
  // Constraints: statuses are checked; a call must belong to an item; a used dataset cannot go.
  expect(() => db.prepare(`UPDATE items SET status = 'weird'`).run()).toThrow(/CHECK/);
  expect(() => db.prepare(`UPDATE runs SET status = 'weird'`).run()).toThrow(/CHECK/);
  expect(() =>
    db.prepare(`INSERT INTO calls (run_id, row_index, attempt, prompt_tokens, completion_tokens, cost_usd, latency_ms, status, created_at) VALUES (1, 9, 1, 0, 0, 0, 0, 200, 0)`).run(),
  ).toThrow(/FOREIGN KEY/);
  expect(() => db.prepare(`DELETE FROM datasets WHERE id = 1`).run()).toThrow(/FOREIGN KEY/);
  // Deleting a run's items cascades to its transcripts and calls, and leaves the other run whole.
  db.prepare(`DELETE FROM items WHERE run_id = 1`).run();
  expect(db.prepare(`SELECT COUNT(*) FROM calls`).pluck().get()).toBe(1);
  expect(db.prepare(`SELECT COUNT(*) FROM transcripts`).pluck().get()).toBe(1);
  // The results table's status filter uses its index.
  const plan = db.prepare(`EXPLAIN QUERY PLAN SELECT row_index FROM items WHERE run_id = 2 AND status = 'done' ORDER BY row_index LIMIT 100 OFFSET 10`).all() as { detail: string }[];
  expect(plan.map((p) => p.detail).join(' ')).toContain('items_status');
  db.close();
});
