import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { migrate, schemaVersion } from '../db.ts';
import { MIGRATIONS } from './index.ts';
import { m0006ResponseCache } from './0006-response-cache.ts';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rr-m6-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

it('0006 adds an empty response cache to a database with runs, and refuses an unknown source', () => {
  const db = new Database(path.join(dir, 'm.db'));
  const before = MIGRATIONS.filter((m) => m.version < 6);
  migrate(db, before);
  expect(migrate(db, [...before, m0006ResponseCache])).toEqual([6]);
  expect(schemaVersion(db)).toBe(6);
  expect(db.prepare(`SELECT COUNT(*) AS n FROM response_cache`).get()).toEqual({ n: 0 });
  const insert = db.prepare(
    `INSERT INTO response_cache (key, reply, model, prompt_tokens, completion_tokens, cost_usd, source, run_id, created_at) VALUES (?, '{}', 'm', 1, 1, 0, ?, NULL, 0)`,
  );
  insert.run('a', 'live');
  expect(() => insert.run('b', 'guess')).toThrow(/CHECK/);
  expect(() => insert.run('a', 'batch')).toThrow(/UNIQUE|PRIMARY/);
  db.close();
});

it('0006 marks the calls and totals of runs made before it as not from the cache', () => {
  const db = new Database(path.join(dir, 'm.db'));
  const before = MIGRATIONS.filter((m) => m.version < 6);
  migrate(db, before);
  db.prepare(`INSERT INTO datasets (name, columns, delimiter, encoding, row_count, created_at) VALUES ('d', '["q"]', ',', 'utf-8', 1, 0)`).run();
  db.prepare(`INSERT INTO runs (name, dataset_id, agent, options, status, item_count, call_count, created_at) VALUES ('r', 1, '{}', '{}', 'completed', 1, 1, 0)`).run();
  db.prepare(`INSERT INTO items (run_id, row_index, prompt) VALUES (1, 0, 'p')`).run();
  db.prepare(`INSERT INTO calls (run_id, row_index, attempt, prompt_tokens, completion_tokens, cost_usd, latency_ms, status, created_at) VALUES (1, 0, 1, 5, 5, 0.1, 10, 200, 0)`).run();
  migrate(db, [...before, m0006ResponseCache]);
  expect(db.prepare(`SELECT from_cache, saved_tokens, saved_usd FROM calls`).get()).toEqual({ from_cache: 0, saved_tokens: 0, saved_usd: 0 });
  expect(db.prepare(`SELECT cached_calls, saved_usd, call_count FROM runs`).get()).toEqual({ cached_calls: 0, saved_usd: 0, call_count: 1 });
  db.close();
});
