import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { migrate, schemaVersion } from '../db.ts';
import { MIGRATIONS } from './index.ts';
import { m0005RunEndpoint } from './0005-run-endpoint.ts';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rr-m5-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

it('0005 gives runs an endpoint column, empty for runs made before it', () => {
  const db = new Database(path.join(dir, 'm.db'));
  const before = MIGRATIONS.filter((m) => m.version < 5);
  migrate(db, before);
  db.prepare(`INSERT INTO datasets (name, columns, delimiter, encoding, row_count, created_at) VALUES ('d', '["q"]', ',', 'utf-8', 0, 0)`).run();
  db.prepare(`INSERT INTO runs (name, dataset_id, agent, options, status, item_count, created_at) VALUES ('r', 1, '{}', '{}', 'pending', 0, 0)`).run();
  expect(migrate(db, [...before, m0005RunEndpoint])).toEqual([5]);
  expect(schemaVersion(db)).toBe(5);
  expect(db.prepare(`SELECT endpoint FROM runs`).get()).toEqual({ endpoint: null });
  db.prepare(`UPDATE runs SET endpoint = ?`).run('{"kind":"simulated"}');
  expect(db.prepare(`SELECT endpoint FROM runs`).get()).toEqual({ endpoint: '{"kind":"simulated"}' });
  db.close();
});
