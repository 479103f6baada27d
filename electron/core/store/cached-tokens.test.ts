// Cached prompt tokens and money in the store: every call's cached tokens are summed into its item
// and its run in both of the writer's paths, and dollars are read back without float noise.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { AgentSpecSchema, RunOptionsSchema, type BatchEvent } from '../../../shared/domain.ts';
import { beginDataset, finishDataset, insertDatasetRows, setDatasetHeader } from './datasets.ts';
import { openDatabase, type Db } from './db.ts';
import { getItem, insertItems, itemTotals, runRows } from './items.ts';
import { getRun, insertRun, ledgerTotals, runTotalsOf } from './runs.ts';
import { createEventWriter } from './writer.ts';

let dir: string;
let db: Db;
let runId: number;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rr-cached-'));
  db = openDatabase(path.join(dir, 'c.db'));
  const ds = beginDataset(db, { name: 'd', sourcePath: null });
  setDatasetHeader(db, ds, { columns: ['q'], notes: [], delimiter: ',', encoding: 'utf-8' });
  db.transaction(() => insertDatasetRows(db, ds, 0, [['a'], ['b']]))();
  finishDataset(db, ds, 2);
  runId = insertRun(db, {
    name: 'r',
    datasetId: ds,
    agent: AgentSpecSchema.parse({ name: 'a', model: 'gpt-4o-mini', prompt: '{{q}}' }),
    options: RunOptionsSchema.parse({}),
    itemCount: 2,
  });
  db.transaction(() => insertItems(db, runId, ['a', 'b'].map((prompt, index) => ({ index, prompt }))))();
});
afterEach(() => {
  db.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const call = (index: number, cachedTokens: number, costUsd: number): BatchEvent => ({
  type: 'llm-call', index, promptTokens: 1500, completionTokens: 10, cachedTokens, costUsd, latencyMs: 5, status: 200,
});
const fin = { turns: 1, promptTokens: 0, completionTokens: 0, costUsd: 0, latencyMs: 30, transcript: [] };

it('sums the cached tokens of every call into its item and its run, in one statement or event by event', () => {
  const w = createEventWriter(db, runId);
  // Row 0 in the one-statement shape (started, calls, done); row 1 event by event (a second start).
  w.apply([{ type: 'item-started', index: 0 }, call(0, 0, 0.1), call(0, 1152, 0.2), { type: 'item-done', index: 0, output: { result: 'A' }, ...fin }]);
  w.apply([{ type: 'item-started', index: 1 }]);
  w.apply([call(1, 1280, 0.000007), call(1, 0, 0.00001535)]);
  expect(getItem(db, runId, 0)?.cachedTokens).toBe(1152);
  expect(getItem(db, runId, 1)?.cachedTokens).toBe(1280);
  expect(getRun(db, runId)?.cachedTokens).toBe(2432);
  expect(runTotalsOf(db, runId).cachedTokens).toBe(2432);
  const ledger = db.prepare('SELECT SUM(cached_tokens) AS k FROM calls WHERE run_id = ?').get(runId) as { k: number };
  expect(ledger.k).toBe(2432);
});

it('reads dollars as whole micro-dollars: no float noise from summing in SQLite', () => {
  const w = createEventWriter(db, runId);
  // 0.1 + 0.2 is 0.30000000000000004 in floats; 0.000007 + 0.00001535 drifts likewise.
  w.apply([{ type: 'item-started', index: 0 }, call(0, 0, 0.1), call(0, 0, 0.2), { type: 'item-done', index: 0, output: {}, ...fin }]);
  w.apply([{ type: 'item-started', index: 1 }, call(1, 0, 0.000007), call(1, 0, 0.00001535), { type: 'item-done', index: 1, output: {}, ...fin }]);
  const raw = db.prepare('SELECT cost_usd AS c FROM items WHERE run_id = ? ORDER BY row_index').all(runId) as { c: number }[];
  expect(raw[0].c).not.toBe(0.3); // what the store holds
  expect(getItem(db, runId, 0)?.costUsd).toBe(0.3);
  expect(getItem(db, runId, 1)?.costUsd).toBe(0.000022);
  expect([...runRows(db, runId)].map((r) => r.costUsd)).toEqual([0.3, 0.000022]);
  expect(runTotalsOf(db, runId).costUsd).toBe(0.300022);
  expect(getRun(db, runId)?.costUsd).toBe(0.300022);
  expect(ledgerTotals(db, runId).costUsd).toBe(0.300022);
  expect(itemTotals(db, runId).costUsd).toBe(0.300022);
});
