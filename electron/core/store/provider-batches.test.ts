import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { openDatabase, type Db } from './db.ts';
import { batchedRequest, batchRequests, markCounted, openBatches, recordBatchCreated, recordBatchStatus, recordOutcomes, recordUpload, runBatches } from './provider-batches.ts';

let dir: string;
let db: Db;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rr-pb-'));
  db = openDatabase(path.join(dir, 'r.db'));
  db.prepare(`INSERT INTO datasets (name, columns, delimiter, encoding, row_count, created_at) VALUES ('d', '["q"]', ',', 'utf-8', 0, 0)`).run();
  for (const name of ['a', 'b']) db.prepare(`INSERT INTO runs (name, dataset_id, agent, options, status, item_count, created_at) VALUES (?, 1, '{}', '{}', 'pending', 0, 0)`).run(name);
});
afterEach(() => {
  db.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

it('keeps a batch from upload to collection, readable from another connection after a crash', () => {
  const row = recordUpload(db, 1, 'file-1', [{ customId: 'item-1-turn-0', cacheKey: 'k1' }, { customId: 'item-2-turn-0', cacheKey: 'k2' }], 100);
  // Killed here: the next process finds the upload and creates its batch instead of uploading again.
  const other = openDatabase(db.name);
  try {
    expect(openBatches(other, 1)).toEqual([
      { id: row, runId: 1, inputFileId: 'file-1', batchId: null, status: 'uploaded', total: 2, completed: 0, failed: 0, collected: false, createdAt: 100, updatedAt: 100 },
    ]);
    expect(openBatches(other, 2)).toEqual([]);
  } finally {
    other.close();
  }
  recordBatchCreated(db, row, 'batch_1', 'validating', 200);
  recordBatchStatus(db, row, { status: 'in_progress', total: 2, completed: 1, failed: 0 }, 300);
  expect(openBatches(db, 1)[0]).toMatchObject({ batchId: 'batch_1', status: 'in_progress', completed: 1, updatedAt: 300 });
  expect(batchRequests(db, row).map((r) => [r.customId, r.cacheKey, r.state, r.sends])).toEqual([
    ['item-1-turn-0', 'k1', 'sent', 1],
    ['item-2-turn-0', 'k2', 'sent', 1],
  ]);
  recordOutcomes(db, row, [
    { customId: 'item-1-turn-0', state: 'answered' },
    { customId: 'item-2-turn-0', state: 'unfinished', error: 'batch_expired: too late' },
  ]);
  expect(openBatches(db, 1)).toEqual([]);
  expect(runBatches(db, 1)[0].collected).toBe(true);
  expect(batchedRequest(db, 1, 'k2')).toMatchObject({ state: 'unfinished', sends: 1, error: 'batch_expired: too late' });
  expect(batchedRequest(db, 2, 'k2')).toBeUndefined();
  expect(markCounted(db, 1, 'k1')).toBe(true);
  expect(markCounted(db, 1, 'k1')).toBe(false);
  expect(batchedRequest(db, 1, 'k1')?.counted).toBe(true);
});

it('counts a request sent again in a later batch', () => {
  const first = recordUpload(db, 1, 'file-1', [{ customId: 'item-2-turn-0', cacheKey: 'k2' }]);
  recordOutcomes(db, first, [{ customId: 'item-2-turn-0', state: 'unfinished', error: 'expired' }]);
  const second = recordUpload(db, 1, 'file-2', [{ customId: 'item-2-turn-0', cacheKey: 'k2' }]);
  expect(batchedRequest(db, 1, 'k2')).toEqual({ cacheKey: 'k2', customId: 'item-2-turn-0', batchRow: second, state: 'sent', sends: 2, error: null, counted: false });
  expect(batchRequests(db, first)).toEqual([]);
  // A cancelled batch's requests keep their resend.
  recordOutcomes(db, second, [{ customId: 'item-2-turn-0', state: 'unfinished', error: 'cancelled', uncounted: true }]);
  expect(batchedRequest(db, 1, 'k2')).toMatchObject({ state: 'unfinished', sends: 1 });
});
