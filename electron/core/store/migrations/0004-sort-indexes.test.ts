import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { migrate, schemaVersion } from '../db.ts';
import { MIGRATIONS } from './index.ts';
import { m0004SortIndexes } from './0004-sort-indexes.ts';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rr-m4-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

const plan = (db: Database.Database, sql: string) =>
  (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all() as { detail: string }[]).map((p) => p.detail).join(' | ');

it('0004 lets a page sorted by cost or latency walk an index instead of sorting the run', () => {
  const db = new Database(path.join(dir, 'm.db'));
  const before = MIGRATIONS.filter((m) => m.version < 4);
  migrate(db, before);
  const sorted = `SELECT row_index FROM items WHERE run_id = 1 ORDER BY cost_usd DESC, row_index DESC LIMIT 100 OFFSET 50`;
  expect(plan(db, sorted)).toContain('TEMP B-TREE');
  expect(migrate(db, [...before, m0004SortIndexes])).toEqual([4]);
  expect(schemaVersion(db)).toBe(4);
  expect(plan(db, sorted)).not.toContain('TEMP B-TREE');
  expect(plan(db, `SELECT row_index FROM items WHERE run_id = 1 ORDER BY latency_ms DESC, row_index DESC LIMIT 100`)).not.toContain('TEMP B-TREE');
  expect(plan(db, `SELECT row_index FROM items WHERE run_id = 1 ORDER BY cost_usd ASC, row_index ASC LIMIT 100`)).not.toContain('TEMP B-TREE');
  db.close();
});
