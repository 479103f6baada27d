import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { migrate } from '../db.ts';
import { MIGRATIONS } from './index.ts';
import { m0010ItemMarks } from './0010-item-marks.ts';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rr-m10-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

it('0010 adds item_marks: one mark per item, a rating of 1 or -1, gone with its item', () => {
  const db = new Database(path.join(dir, 'm.db'));
  db.pragma('foreign_keys = ON');
  const before = MIGRATIONS.filter((m) => m.version < 10);
  migrate(db, before);
  db.prepare(`INSERT INTO datasets (name, columns, delimiter, encoding, row_count, created_at) VALUES ('d', '["q"]', ',', 'utf-8', 0, 0)`).run();
  db.prepare(`INSERT INTO runs (name, dataset_id, agent, options, status, item_count, created_at) VALUES ('r', 1, '{}', '{}', 'pending', 1, 0)`).run();
  db.prepare(`INSERT INTO items (run_id, row_index, prompt) VALUES (1, 0, 'p')`).run();
  expect(migrate(db, [...before, m0010ItemMarks])).toEqual([10]);
  db.prepare(`INSERT INTO item_marks (run_id, row_index, rating, note) VALUES (1, 0, 1, 'ok')`).run();
  expect(() => db.prepare(`INSERT INTO item_marks (run_id, row_index, rating) VALUES (1, 0, -1)`).run()).toThrow(/UNIQUE/);
  expect(() => db.prepare(`UPDATE item_marks SET rating = 2`).run()).toThrow(/CHECK/);
  expect(() => db.prepare(`INSERT INTO item_marks (run_id, row_index, rating) VALUES (1, 7, 1)`).run()).toThrow(/FOREIGN KEY/);
  db.prepare(`DELETE FROM items`).run();
  expect(db.prepare(`SELECT COUNT(*) FROM item_marks`).pluck().get()).toBe(0);
  db.close();
});
