import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { migrate, schemaVersion } from '../db.ts';
import { MIGRATIONS } from './index.ts';
import { m0007EarlierAttempts } from './0007-earlier-attempts.ts';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rr-m7-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

it('0007 adds earlier_attempts, which go with their item', () => {
  const db = new Database(path.join(dir, 'm.db'));
  db.pragma('foreign_keys = ON');
  const before = MIGRATIONS.filter((m) => m.version < 7);
  migrate(db, before);
  db.prepare(`INSERT INTO datasets (name, columns, delimiter, encoding, row_count, created_at) VALUES ('d', '["q"]', ',', 'utf-8', 0, 0)`).run();
  db.prepare(`INSERT INTO runs (name, dataset_id, agent, options, status, item_count, created_at) VALUES ('r', 1, '{}', '{}', 'pending', 1, 0)`).run();
  db.prepare(`INSERT INTO items (run_id, row_index, prompt) VALUES (1, 0, 'p')`).run();
  expect(migrate(db, [...before, m0007EarlierAttempts])).toEqual([7]);
  expect(schemaVersion(db)).toBe(7);
  db.prepare(`INSERT INTO earlier_attempts (run_id, row_index, attempt, status, messages) VALUES (1, 0, 1, 'done', '[]')`).run();
  expect(db.prepare(`SELECT COUNT(*) FROM earlier_attempts`).pluck().get()).toBe(1);
  db.prepare(`DELETE FROM items`).run();
  expect(db.prepare(`SELECT COUNT(*) FROM earlier_attempts`).pluck().get()).toBe(0);
  db.close();
});
