import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { migrate, schemaVersion } from '../db.ts';
import { MIGRATIONS } from './index.ts';
import { m0009ProviderBatches } from './0009-provider-batches.ts';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rr-m9-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

it('0009 adds the batches in flight and their requests, gone with their run', () => {
  const db = new Database(path.join(dir, 'm.db'));
  db.pragma('foreign_keys = ON');
  const before = MIGRATIONS.filter((m) => m.version < 9);
  migrate(db, before);
  db.prepare(`INSERT INTO datasets (name, columns, delimiter, encoding, row_count, created_at) VALUES ('d', '["q"]', ',', 'utf-8', 0, 0)`).run();
  db.prepare(`INSERT INTO runs (name, dataset_id, agent, options, status, item_count, created_at) VALUES ('r', 1, '{}', '{}', 'pending', 0, 0)`).run();
  expect(migrate(db, [...before, m0009ProviderBatches])).toEqual([9]);
  expect(schemaVersion(db)).toBe(9);
  db.prepare(`INSERT INTO provider_batches (run_id, input_file_id, status, created_at, updated_at) VALUES (1, 'file-1', 'uploaded', 0, 0)`).run();
  db.prepare(`INSERT INTO provider_batch_requests (run_id, cache_key, custom_id, batch_row, state) VALUES (1, 'k', 'item-1-turn-0', 1, 'sent')`).run();
  expect(() => db.prepare(`INSERT INTO provider_batch_requests (run_id, cache_key, custom_id, batch_row, state) VALUES (1, 'k2', 'x', 1, 'lost')`).run()).toThrow(/CHECK/);
  db.prepare(`DELETE FROM runs`).run();
  expect(db.prepare(`SELECT count(*) AS n FROM provider_batches`).get()).toEqual({ n: 0 });
  expect(db.prepare(`SELECT count(*) AS n FROM provider_batch_requests`).get()).toEqual({ n: 0 });
  db.close();
});
