// Results-grid benchmark: what the grid asks of a finished run of N items (default 1,000,000): the first
// page and its count under a per-column filter (a number range on an output field, text in an input
// column, a mark), every index a filter matches (select all), a row's mark, and the distributions the
// charts draw. The run is built once in bench/work/ through the store and the event writer a run uses
// (no LLM); each figure is the median of 3 timings.
// Run: node bench/grid-queries.ts [items]
import fs from 'node:fs';
import path from 'node:path';
import type { ItemFilter } from '../shared/contract.ts';
import { AgentSpecSchema, RunOptionsSchema, type BatchEvent } from '../shared/domain.ts';
import { beginDataset, finishDataset, insertDatasetRows, setDatasetHeader } from '../electron/core/store/datasets.ts';
import { openDatabase } from '../electron/core/store/db.ts';
import { itemDistributions } from '../electron/core/store/distributions.ts';
import { insertItems, itemIndexes, itemsPage } from '../electron/core/store/items.ts';
import { setMark } from '../electron/core/store/marks.ts';
import { insertRun } from '../electron/core/store/runs.ts';
import { createEventWriter } from '../electron/core/store/writer.ts';

const N = Number(process.argv[2] ?? 1_000_000);
const work = path.resolve(import.meta.dirname, 'work');
fs.mkdirSync(work, { recursive: true });
const file = path.join(work, `grid-${N}.db`);
const marker = `${file}.ready`;
const LABELS = ['positive', 'negative', 'neutral', 'mixed'];
const cols = { inputColumns: ['id', 'review', 'price'], outputColumns: ['label', 'confidence', 'summary'] };

let runId = fs.existsSync(marker) ? Number(fs.readFileSync(marker, 'utf8')) : 0;
if (!runId) {
  for (const f of [file, `${file}-wal`, `${file}-shm`]) fs.rmSync(f, { force: true });
  const db = openDatabase(file);
  const t0 = performance.now();
  const ds = beginDataset(db, { name: 'reviews', sourcePath: null });
  setDatasetHeader(db, ds, { columns: cols.inputColumns, notes: [], delimiter: ',', encoding: 'utf-8' });
  const row = (i: number) => [String(i), `review ${i}: ${i % 7 === 0 ? 'arrived broken' : 'works well, thanks'}`, String((i % 1000) / 10)];
  const CHUNK = 20_000;
  for (let at = 0; at < N; at += CHUNK) {
    const rows = Array.from({ length: Math.min(CHUNK, N - at) }, (_, k) => row(at + k));
    db.transaction(() => insertDatasetRows(db, ds, at, rows))();
  }
  finishDataset(db, ds, N);
  runId = insertRun(db, { name: 'r', datasetId: ds, agent: AgentSpecSchema.parse({ name: 'a', model: 'm', prompt: '{{review}}' }), options: RunOptionsSchema.parse({}), itemCount: N });
  for (let at = 0; at < N; at += CHUNK) {
    const items = Array.from({ length: Math.min(CHUNK, N - at) }, (_, k) => ({ index: at + k, prompt: row(at + k)[1] }));
    db.transaction(() => insertItems(db, runId, items))();
  }
  const writer = createEventWriter(db, runId);
  const fin = { turns: 1, promptTokens: 20, completionTokens: 8, costUsd: 0.00001, transcript: [] };
  for (let at = 0; at < N; at += CHUNK) {
    const events: BatchEvent[] = [];
    for (let i = at; i < Math.min(N, at + CHUNK); i++) {
      events.push({ type: 'item-started', index: i });
      const output = { label: LABELS[i % 4], confidence: ((i * 2654435761) % 1000) / 1000, summary: `summary of review ${i}` };
      events.push({ type: 'item-done', index: i, output, ...fin, latencyMs: 100 + (i % 900) });
    }
    writer.apply(events);
  }
  for (let i = 0; i < N; i += 1000) setMark(db, runId, i, i % 2000 ? 'down' : 'up', null);
  db.close();
  fs.writeFileSync(marker, String(runId));
  console.log(`built a run of ${N.toLocaleString('en-US')} items in ${((performance.now() - t0) / 1000).toFixed(1)} s (${file})`);
}

const db = openDatabase(file);
// Wall time, and this thread's CPU time: on a shared, loaded machine the CPU time is the steadier figure.
function time<T>(label: string, f: () => T, describe: (r: T) => string): void {
  const wall: number[] = [];
  const cpu: number[] = [];
  let r!: T;
  for (let k = 0; k < 3; k++) {
    const t = performance.now();
    const c = process.cpuUsage();
    r = f();
    const used = process.cpuUsage(c);
    wall.push(performance.now() - t);
    cpu.push((used.user + used.system) / 1000);
  }
  const median = (xs: number[]) => xs.toSorted((a, b) => a - b)[1];
  console.log(`${label.padEnd(58)} ${median(wall).toFixed(0).padStart(6)} ms wall ${median(cpu).toFixed(0).padStart(6)} ms cpu   ${describe(r)}`);
}
const page = (filters: ItemFilter[], sort?: { column: string; desc: boolean }) => () =>
  itemsPage(db, { runId, ...cols, offset: 0, limit: 200, filters, ...(sort ? { sort } : {}) });
const counted = (r: { total: number }) => `${r.total.toLocaleString('en-US')} rows match`;

console.log(`a finished run of ${N.toLocaleString('en-US')} items (median of 3)`);
time('first page, no filter', page([]), counted);
time('first page, confidence < 0.5 (output range)', page([{ kind: 'range', column: { source: 'output', name: 'confidence' }, lt: 0.5 }]), counted);
time('first page, review contains "broken" (input text)', page([{ kind: 'text', column: { source: 'input', name: 'review' }, contains: 'broken' }]), counted);
time('first page, price >= 90 (input read as a number)', page([{ kind: 'range', column: { source: 'input', name: 'price' }, gte: 90 }]), counted);
time('first page, latency < 150 ms, sorted by latency', page([{ kind: 'range', column: { source: 'meta', name: 'latencyMs' }, lt: 150 }], { column: 'latencyMs', desc: false }), counted);
time('first page, rated good', page([{ kind: 'mark', is: 'up' }]), counted);
time('select all: indexes of confidence < 0.5', () => itemIndexes(db, { runId, ...cols, filters: [{ kind: 'range', column: { source: 'output', name: 'confidence' }, lt: 0.5 }] }), (r) => `${r.length.toLocaleString('en-US')} indexes`);
time('mark one row', () => setMark(db, runId, 12345 % N, 'up', 'bench'), () => '');
time('distributions (status + 3 output fields)', () => itemDistributions(db, runId, cols.outputColumns), (d) => d.fields.map((f) => `${f.field}: ${f.kind}`).join(', '));
db.close();
