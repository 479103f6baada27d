import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { migrate, schemaVersion } from '../db.ts';
import { MIGRATIONS } from './index.ts';
import { m0008CachedTokens } from './0008-cached-tokens.ts';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rr-m8-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

it('0008 gives the calls, items and runs made before it no cached tokens', () => {
  const db = new Database(path.join(dir, 'm.db'));
  const before = MIGRATIONS.filter((m) => m.version < 8);
  migrate(db, before);
  db.prepare(`INSERT INTO datasets (name, columns, delimiter, encoding, row_count, created_at) VALUES ('d', '["q"]', ',', 'utf-8', 1, 0)`).run();
  db.prepare(`INSERT INTO runs (name, dataset_id, agent, options, status, item_count, call_count, created_at) VALUES ('r', 1, '{}', '{}', 'completed', 1, 1, 0)`).run();
  db.prepare(`INSERT INTO items (run_id, row_index, prompt) VALUES (1, 0, 'p')`).run();
  db.prepare(`INSERT INTO calls (run_id, row_index, attempt, prompt_tokens, completion_tokens, cost_usd, latency_ms, status, created_at) VALUES (1, 0, 1, 5, 5, 0.1, 10, 200, 0)`).run();
  expect(migrate(db, [...before, m0008CachedTokens])).toEqual([8]);
  expect(schemaVersion(db)).toBe(8);
  expect(db.prepare(`SELECT cached_tokens, from_cache FROM calls`).get()).toEqual({ cached_tokens: 0, from_cache: 0 });
  expect(db.prepare(`SELECT cached_tokens FROM items`).get()).toEqual({ cached_tokens: 0 });
  expect(db.prepare(`SELECT cached_tokens, cached_calls FROM runs`).get()).toEqual({ cached_tokens: 0, cached_calls: 0 });
  db.close();
});
