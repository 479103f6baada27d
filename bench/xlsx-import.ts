// Workbook benchmark: a 100,000-row .xlsx sheet (shared strings, as Excel writes them) streamed into
// SQLite through the runs service, then its answers added back with --into's writer. Each step runs in
// a fresh child process so its peak memory is its own; RSS is sampled every 50 ms.
// Run: node bench/xlsx-import.ts [rows]
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import ExcelJS from 'exceljs';
import { createRunService } from '../electron/core/runs/service.ts';
import { exportIntoWorkbook, type ExportRow } from '../electron/core/io/export/index.ts';

const mib = (n: number) => `${(n / 2 ** 20).toFixed(1)} MiB`;
const work = path.resolve(import.meta.dirname, 'work');

async function measure(step: () => Promise<number>): Promise<void> {
  let peak = process.memoryUsage().rss;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
  const startRss = process.memoryUsage().rss;
  const start = performance.now();
  const cpu0 = process.cpuUsage();
  const rows = await step();
  const wallMs = Math.round(performance.now() - start);
  const cpu = process.cpuUsage(cpu0);
  clearInterval(sampler);
  peak = Math.max(peak, process.memoryUsage().rss);
  console.log(JSON.stringify({ rows, wallMs, cpuMs: Math.round((cpu.user + cpu.system) / 1000), startRss, peakRss: peak }));
}

if (process.argv[2] === '--import') {
  const [book, db] = process.argv.slice(3);
  for (const f of [db, `${db}-wal`, `${db}-shm`]) fs.rmSync(f, { force: true });
  const svc = createRunService({ dbPath: db });
  await measure(async () => (await svc.importDataset(book, { sheet: 'Reviews' })).rowCount);
  await svc.close();
  process.exit(0);
}
if (process.argv[2] === '--into') {
  const [book, out, n] = process.argv.slice(3);
  function* rows(): Generator<ExportRow> {
    for (let i = 0; i < Number(n); i++) {
      yield { input: [], output: { sentiment: i % 2 ? 'positive' : 'negative', score: i % 5 }, status: 'done', error: null, turns: 1, promptTokens: 1, completionTokens: 1, costUsd: 0, latencyMs: 1 };
    }
  }
  await measure(async () => (await exportIntoWorkbook({ workbook: book, sheet: 'Reviews', outputColumns: ['sentiment', 'score'], rows: rows() }, out)).rows);
  process.exit(0);
}

const rows = Number(process.argv[2] ?? 100_000);
fs.mkdirSync(work, { recursive: true });
const book = path.join(work, `sheet-${rows}.xlsx`);
if (!fs.existsSync(book)) {
  const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: book, useSharedStrings: true, useStyles: true });
  wb.addWorksheet('Notes').addRow(['A sheet before the data']).commit();
  const sheet = wb.addWorksheet('Reviews');
  sheet.addRow(['id', 'sku', 'rating', 'received', 'review']).commit();
  const words = ['the', 'delivery', 'arrived', 'late', 'but', 'support', 'was', 'helpful', 'and', 'refunded', 'shipping', 'quickly', 'café'];
  for (let i = 0; i < rows; i++) {
    let text = '';
    for (let w = 0; w < 20 + (i % 25); w++) text += (w ? ' ' : '') + words[(i * 7 + w * 5) % words.length];
    const row = sheet.addRow([i, `SKU-${(i * 2654435761) % 100000}`, (i % 5) + 1, new Date(Date.UTC(2024, 0, 1 + (i % 365))), `${text} #${i}`]);
    row.getCell(4).numFmt = 'yyyy-mm-dd';
    row.commit();
  }
  sheet.commit();
  await wb.commit();
}

function child(args: string[]): { rows: number; wallMs: number; cpuMs: number; startRss: number; peakRss: number } {
  const res = spawnSync(process.execPath, [import.meta.filename, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (res.status !== 0) throw new Error(`child failed: ${res.stdout}`);
  return JSON.parse(res.stdout.trim().split('\n').at(-1)!);
}

const size = mib(fs.statSync(book).size);
const imp = child(['--import', book, path.join(work, 'xlsx-import.db')]);
console.log(`import: ${imp.rows.toLocaleString('en-US')} rows of sheet "Reviews" (${size} .xlsx) in ${(imp.wallMs / 1000).toFixed(2)} s wall, ${(imp.cpuMs / 1000).toFixed(2)} s CPU (${Math.round(imp.rows / (imp.wallMs / 1000)).toLocaleString('en-US')} rows/s); peak RSS ${mib(imp.peakRss)} (${mib(imp.startRss)} before it began)`);
const out = path.join(work, `sheet-${rows}-answered.xlsx`);
const into = child(['--into', book, out, String(rows)]);
console.log(`--into: answers of ${into.rows.toLocaleString('en-US')} rows added to a copy in ${(into.wallMs / 1000).toFixed(2)} s wall, ${(into.cpuMs / 1000).toFixed(2)} s CPU; peak RSS ${mib(into.peakRss)} (${mib(into.startRss)} before it began; the whole workbook is held)`);
fs.rmSync(out, { force: true });
