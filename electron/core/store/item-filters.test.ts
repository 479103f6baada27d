// The grid's per-column filters, marks and distributions on a real SQLite file, written the way a run
// writes its results (the event writer).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ItemFilter } from '../../../shared/contract.ts';
import { AgentSpecSchema, RunOptionsSchema, type BatchEvent } from '../../../shared/domain.ts';
import { beginDataset, finishDataset, insertDatasetRows, setDatasetHeader } from './datasets.ts';
import { openDatabase, type Db } from './db.ts';
import { itemDistributions } from './distributions.ts';
import { FilterError } from './item-filters.ts';
import { getItem, insertItems, itemIndexes, itemsPage, runRows } from './items.ts';
import { setMark } from './marks.ts';
import { deleteRunChunk, insertRun } from './runs.ts';
import { createEventWriter } from './writer.ts';

const N = 40;
const LABELS = ['positive', 'negative', 'neutral'];
let dir: string;
let db: Db;
let runId: number;
const cols = { inputColumns: ['id', 'text', 'price'], outputColumns: ['label', 'confidence', 'summary'] };

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rr-filters-'));
  db = openDatabase(path.join(dir, 'f.db'));
  const ds = beginDataset(db, { name: 'd', sourcePath: null });
  setDatasetHeader(db, ds, { columns: cols.inputColumns, notes: [], delimiter: ',', encoding: 'utf-8' });
  // price: a number in most rows, text ("n/a") in every tenth, empty in row 5
  const rows = Array.from({ length: N }, (_, i) => [String(i), `review ${i} ${i % 2 ? 'Broken' : 'fine'} 100%`, i % 10 === 3 ? 'n/a' : i === 5 ? '' : String(i * 2.5)]);
  db.transaction(() => insertDatasetRows(db, ds, 0, rows))();
  finishDataset(db, ds, N);
  runId = insertRun(db, {
    name: 'r',
    datasetId: ds,
    agent: AgentSpecSchema.parse({ name: 'a', model: 'm', prompt: '{{text}}' }),
    options: RunOptionsSchema.parse({}),
    itemCount: N,
  });
  db.transaction(() => insertItems(db, runId, rows.map((r, index) => ({ index, prompt: r[1] }))))();
  const fin = { turns: 1, promptTokens: 0, completionTokens: 0, costUsd: 0, transcript: [] };
  const events: BatchEvent[] = [];
  // rows 0..29 done, 30..34 failed, 35..39 pending
  for (let i = 0; i < 35; i++) {
    events.push({ type: 'item-started', index: i });
    if (i < 30) {
      const output = { label: LABELS[i % 3], confidence: i / 30, summary: `free text number ${i}` };
      events.push({ type: 'item-done', index: i, output, ...fin, latencyMs: 100 + i });
    } else events.push({ type: 'item-failed', index: i, error: 'HTTP 500', ...fin, latencyMs: 50 });
  }
  createEventWriter(db, runId).apply(events);
});
afterEach(() => {
  db.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const match = (filters: ItemFilter[]) => itemIndexes(db, { runId, ...cols, filters });
const out = (name: string) => ({ source: 'output' as const, name });
const inp = (name: string) => ({ source: 'input' as const, name });

describe('per-column filters', () => {
  it('a number range on an output field: confidence < 0.5 matches only numbers under it', () => {
    expect(match([{ kind: 'range', column: out('confidence'), lt: 0.5 }])).toEqual(Array.from({ length: 15 }, (_, i) => i));
    expect(match([{ kind: 'range', column: out('confidence'), gte: 0.9, lte: 1 }])).toEqual([27, 28, 29]);
    // a string field is never a number
    expect(match([{ kind: 'range', column: out('label'), gt: -1 }])).toEqual([]);
  });

  it('a number range on an input column reads the CSV text as a number, skipping text and empty cells', () => {
    const got = match([{ kind: 'range', column: inp('price'), gte: 0 }]);
    expect(got).not.toContain(3);
    expect(got).not.toContain(5);
    expect(got).toHaveLength(N - 4 - 1);
    expect(match([{ kind: 'range', column: inp('price'), gt: 90 }])).toEqual([37, 38, 39]);
  });

  it('text contains, on inputs and outputs, taking % and _ literally', () => {
    expect(match([{ kind: 'text', column: out('label'), contains: 'NEG' }])).toEqual([1, 4, 7, 10, 13, 16, 19, 22, 25, 28]);
    expect(match([{ kind: 'text', column: inp('text'), contains: 'broken 100%' }])).toHaveLength(N / 2);
    expect(match([{ kind: 'text', column: inp('text'), contains: '_' }])).toEqual([]);
  });

  it('status and a measure of the item, all filters at once, with the page and its total', () => {
    const filters: ItemFilter[] = [
      { kind: 'status', in: ['done', 'failed'] },
      { kind: 'range', column: { source: 'meta', name: 'latencyMs' }, lt: 110 },
    ];
    expect(match(filters)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 30, 31, 32, 33, 34]);
    const page = itemsPage(db, { runId, ...cols, filters, offset: 5, limit: 3, sort: { column: 'latencyMs', desc: false } });
    expect(page.total).toBe(15);
    expect(page.rows.map((r) => r.index)).toEqual([0, 1, 2]);
  });

  it('a filter naming a column the run does not have is refused, naming it', () => {
    expect(() => match([{ kind: 'text', column: out('nope'), contains: 'x' }])).toThrow(new FilterError('The filter names an output field "nope" the run does not have.'));
    expect(() => match([{ kind: 'range', column: { source: 'meta', name: 'tokens' }, lt: 1 }])).toThrow(/"tokens", which is not a measure/);
  });
});

describe('marks', () => {
  it('are stored per item, read with the rows, filtered on, exported, and cleared', () => {
    expect(setMark(db, runId, 2, 'up', null)).toBe(true);
    expect(setMark(db, runId, 4, 'down', 'wrong label')).toBe(true);
    expect(setMark(db, runId, 6, null, 'check again')).toBe(true);
    expect(setMark(db, runId, 999, 'up', null)).toBe(false);
    expect(getItem(db, runId, 4)).toMatchObject({ rating: 'down', note: 'wrong label' });
    const page = itemsPage(db, { runId, ...cols, offset: 0, limit: 8 });
    expect(page.rows.map((r) => [r.rating, r.note])[2]).toEqual(['up', null]);
    expect(match([{ kind: 'mark', is: 'up' }])).toEqual([2]);
    expect(match([{ kind: 'mark', is: 'down' }])).toEqual([4]);
    expect(match([{ kind: 'mark', is: 'noted' }])).toEqual([4, 6]);
    expect(match([{ kind: 'mark', is: 'unrated' }])).toHaveLength(N - 2);
    const exported = [...runRows(db, runId)];
    expect(exported[4]).toMatchObject({ rating: 'down', note: 'wrong label' });
    expect(exported[0]).toMatchObject({ rating: null, note: null });

    expect(setMark(db, runId, 4, null, '  ')).toBe(true);
    expect(getItem(db, runId, 4)).toMatchObject({ rating: null, note: null });
    expect(db.prepare('SELECT COUNT(*) FROM item_marks').pluck().get()).toBe(2);
  });

  it('go with their run when it is deleted', () => {
    setMark(db, runId, 1, 'up', 'x');
    while (deleteRunChunk(db, runId, 7));
    expect(db.prepare('SELECT COUNT(*) FROM item_marks').pluck().get()).toBe(0);
  });
});

describe('cached', () => {
  it('matches the rows whose every call came from the response cache, as the export says', () => {
    const call = db.prepare(
      `INSERT INTO calls (run_id, row_index, attempt, prompt_tokens, completion_tokens, cost_usd, latency_ms, status, created_at, from_cache, saved_tokens, saved_usd)
       VALUES (?, ?, 1, 0, 0, 0, 1, 200, 0, ?, 0, 0)`,
    );
    // row 1: two calls from the cache; row 2: one from the cache, one sent; row 3: sent; row 4: no call
    for (const [row, fromCache] of [[1, 1], [1, 1], [2, 1], [2, 0], [3, 0]]) call.run(runId, row, fromCache);
    expect(match([{ kind: 'cached' }])).toEqual([1]);
    expect(match([{ kind: 'cached' }, { kind: 'status', in: ['failed'] }])).toEqual([]);
    const exported = [...runRows(db, runId)].filter((r) => r.cached).map((r) => r.index);
    expect(exported).toEqual([1]);
  });
});

describe('distributions', () => {
  it('counts statuses, bins a numeric field, counts an enum, and skips free text', () => {
    const d = itemDistributions(db, runId, cols.outputColumns);
    expect(d.status).toEqual({ done: 30, failed: 5, pending: 5, running: 0, skipped: 0 });
    expect(d.fields.map((f) => f.field)).toEqual(['label', 'confidence']);
    const label = d.fields[0];
    expect(label).toEqual({ kind: 'enum', field: 'label', count: 30, values: LABELS.toSorted().map((value) => ({ value, count: 10 })) });
    const conf = d.fields[1];
    if (conf.kind !== 'numeric') throw new Error('confidence should be numeric');
    expect(conf).toMatchObject({ count: 30, min: 0, max: 29 / 30 });
    expect(conf.bins).toHaveLength(10);
    expect(conf.bins.map((b) => b.count)).toEqual([3, 3, 3, 3, 3, 3, 3, 3, 3, 3]);
  });
});
