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
