// itemsPage against a plain reading of the same rows: every filter, search, sort and offset gives the
// page and total that filtering and sorting all the items in JavaScript gives.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { AgentSpecSchema, RunOptionsSchema, type ItemStatus } from '../../../shared/domain.ts';
import { beginDataset, finishDataset, insertDatasetRows, setDatasetHeader } from './datasets.ts';
import { openDatabase, type Db } from './db.ts';
import { insertItems, itemsPage, type PageQuery } from './items.ts';
import { insertRun } from './runs.ts';

const N = 230;
const STATUSES: ItemStatus[] = ['done', 'done', 'failed', 'pending', 'done', 'skipped'];
let dir: string;
let db: Db;
let runId: number;
interface Truth {
  index: number;
  vals: string[];
  prompt: string;
  status: ItemStatus;
  output: { answer: string; confidence: number } | null;
  error: string | null;
  cost: number;
}
const truth: Truth[] = [];

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rr-page-'));
  db = openDatabase(path.join(dir, 'p.db'));
  const ds = beginDataset(db, { name: 'd', sourcePath: null });
  setDatasetHeader(db, ds, { columns: ['sku', 'text'], notes: [], delimiter: ',', encoding: 'utf-8' });
  for (let i = 0; i < N; i++) {
    const status = STATUSES[i % STATUSES.length];
    truth.push({
      index: i,
      vals: [`SKU-${(i * 37) % 101}`, i % 50 === 7 ? `odd 100% row_${i}` : `review ${i} of a lamp`],
      prompt: `Rate: review ${i}`,
      status,
      output: status === 'done' ? { answer: i % 3 === 0 ? 'positive' : 'negative', confidence: ((i * 13) % 17) / 17 } : null,
      error: status === 'failed' ? `HTTP 500 on item ${i}` : null,
      cost: ((i * 7) % 11) / 1000,
    });
  }
  db.transaction(() => insertDatasetRows(db, ds, 0, truth.map((t) => t.vals)))();
  finishDataset(db, ds, N);
  runId = insertRun(db, {
    name: 'r',
    datasetId: ds,
    agent: AgentSpecSchema.parse({ name: 'a', model: 'm', prompt: 'Rate: {{text}}' }),
    options: RunOptionsSchema.parse({}),
    itemCount: N,
  });
  db.transaction(() => {
    insertItems(db, runId, truth.map((t) => ({ index: t.index, prompt: t.prompt })));
    const set = db.prepare(`UPDATE items SET status = ?, output = ?, error = ?, cost_usd = ? WHERE run_id = ? AND row_index = ?`);
    for (const t of truth) set.run(t.status, t.output && JSON.stringify(t.output), t.error, t.cost, runId, t.index);
  })();
});
afterAll(() => {
  db.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

function expected(q: Omit<PageQuery, 'runId' | 'inputColumns' | 'outputColumns'>): { total: number; rows: number[] } {
  const needle = q.search?.trim().toLowerCase();
  const has = (s: string | null) => s !== null && needle !== undefined && s.toLowerCase().includes(needle);
  let rows = truth.filter((t) => (!q.status || t.status === q.status) && (!needle || has(t.prompt) || has(t.output && JSON.stringify(t.output)) || has(t.error) || has(JSON.stringify(t.vals))));
  if (q.sort?.column === 'costUsd') rows = [...rows].sort((a, b) => (a.cost - b.cost || a.index - b.index) * (q.sort!.desc ? -1 : 1));
  if (q.sort?.column === 'confidence') {
    const c = (t: Truth) => t.output?.confidence ?? null;
    // NULLs last either way, as itemsPage sorts them.
    rows = [...rows].sort((a, b) => {
      const [x, y] = [c(a), c(b)];
      if (x === null || y === null) return x === y ? (a.index - b.index) * (q.sort!.desc ? -1 : 1) : x === null ? 1 : -1;
      return (x - y || a.index - b.index) * (q.sort!.desc ? -1 : 1);
    });
  }
  return { total: rows.length, rows: rows.slice(q.offset, q.offset + q.limit).map((t) => t.index) };
}

const QUERIES: Array<Omit<PageQuery, 'runId' | 'inputColumns' | 'outputColumns'>> = [
  { offset: 0, limit: 25 },
  { offset: N - 25, limit: 25 },
  { offset: N - 10, limit: 25 },
  { offset: N + 5, limit: 25 },
  { offset: 0, limit: 20, status: 'done' },
  { offset: 60, limit: 20, status: 'done' },
  { offset: 30, limit: 20, status: 'failed' },
  { offset: 0, limit: 10, search: 'review 1' },
  { offset: 10, limit: 10, search: 'REVIEW 1' },
  { offset: 0, limit: 50, search: '100%' },
  { offset: 0, limit: 50, search: 'row_1' },
  { offset: 0, limit: 50, search: 'SKU-42' },
  { offset: 0, limit: 50, search: 'positive', status: 'done' },
  { offset: 0, limit: 50, search: 'HTTP 500 on item 2' },
  { offset: 5, limit: 30, sort: { column: 'costUsd', desc: true } },
  { offset: 100, limit: 30, sort: { column: 'costUsd', desc: false }, status: 'done' },
  { offset: 0, limit: 40, sort: { column: 'confidence', desc: true } },
  { offset: 150, limit: 60, sort: { column: 'confidence', desc: false } },
  { offset: 3, limit: 15, sort: { column: 'confidence', desc: false }, search: 'lamp' },
];

it.each(QUERIES)('itemsPage %j gives the rows and total a full filter and sort gives', (q) => {
  const page = itemsPage(db, { ...q, runId, inputColumns: ['sku', 'text'], outputColumns: ['answer', 'confidence'] });
  expect({ total: page.total, rows: page.rows.map((r) => r.index) }).toEqual(expected(q));
  for (const r of page.rows) expect(r.input).toEqual(truth[r.index].vals);
});
