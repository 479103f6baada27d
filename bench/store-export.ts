// Export benchmark: a finished 100,000-item run exported to xlsx through the runs service (rows read
// from SQLite a page at a time, joined with the dataset, streamed to the spreadsheet writer). The run
// is prepared once in bench/work/ (results written through the same event writer a run uses, no LLM);
// the export runs in a fresh child process so its peak memory is the export's own.
// Run: node bench/store-export.ts [rows] [xlsx|csv|jsonl]
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { BatchEvent } from '../shared/domain.ts';
import { createRunService } from '../electron/core/runs/service.ts';
import { openDatabase } from '../electron/core/store/db.ts';
import { createEventWriter } from '../electron/core/store/writer.ts';

const mib = (n: number) => `${(n / 2 ** 20).toFixed(1)} MiB`;
const work = path.resolve(import.meta.dirname, 'work');

if (process.argv[2] === '--child') {
  const [db, runId, out] = process.argv.slice(3);
  fs.rmSync(out, { force: true });
  let peak = process.memoryUsage().rss;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
  const svc = createRunService({ dbPath: db });
  const startRss = process.memoryUsage().rss;
  const start = performance.now();
  const cpu0 = process.cpuUsage();
  const res = await svc.exportRun(runId, out);
  const wall = performance.now() - start;
  const cpu = process.cpuUsage(cpu0);
  clearInterval(sampler);
  peak = Math.max(peak, process.memoryUsage().rss);
  await svc.close();
  console.log(JSON.stringify({ rows: res.rows, wallMs: Math.round(wall), cpuMs: Math.round((cpu.user + cpu.system) / 1000), startRss, peakRss: peak, maxRss: process.resourceUsage().maxRSS * 1024, bytes: fs.statSync(out).size }));
  process.exit(0);
}

const rows = Number(process.argv[2] ?? 100_000);
const format = process.argv[3] ?? 'xlsx';
fs.mkdirSync(work, { recursive: true });
const db = path.join(work, `export-${rows}.db`);
const marker = `${db}.ready`;
let runId = fs.existsSync(marker) ? fs.readFileSync(marker, 'utf8').trim() : '';
if (!runId) {
  for (const f of [db, `${db}-wal`, `${db}-shm`]) fs.rmSync(f, { force: true });
  const words = ['the', 'delivery', 'arrived', 'late', 'but', 'support', 'was', 'helpful', 'and', 'refunded', 'shipping', 'quickly'];
  const sentence = (seed: number, n: number) => Array.from({ length: n }, (_, w) => words[(seed * 7 + w * 5) % words.length]).join(' ');
  const csv = path.join(work, `export-${rows}.csv`);
  const lines = ['id,sku,email,rating,review'];
  for (let i = 0; i < rows; i++) lines.push(`${i},SKU-${(i * 2654435761) % 100000},customer${i % 5000}@example.com,${(i % 5) + 1},${sentence(i, 40 + (i % 30))}`);
  fs.writeFileSync(csv, lines.join('\n') + '\n');
  const svc = createRunService({ dbPath: db });
  const ds = await svc.importDataset(csv);
  const run = svc.createRun({
    datasetId: ds.id,
    agent: {
      name: 'reviews',
      model: 'gpt-4o-mini',
      prompt: 'Review: {{review}}',
      tools: [
        {
          name: 'classify',
          description: 'Classify the review',
          parameters: {
            type: 'object',
            properties: {
              sentiment: { type: 'string' },
              score: { type: 'number' },
              summary: { type: 'string' },
              topics: { type: 'array', items: { type: 'string' } },
              needs_follow_up: { type: 'boolean' },
            },
          },
        },
      ],
      doneIfTool: true,
      output: { sentiment: 'sentiment', score: 'score', summary: 'summary', topics: 'topics', needs_follow_up: 'needs_follow_up' },
    },
  });
  await svc.close();
  // Results as a run writes them: started, a call, done or failed, in transactions of 500 events.
  const conn = openDatabase(db);
  const writer = createEventWriter(conn, Number(run.runId));
  let batch: BatchEvent[] = [];
  for (let i = 0; i < rows; i++) {
    const failed = i % 50 === 0;
    const totals = { turns: 1 + (i % 3), promptTokens: 400 + (i % 300), completionTokens: 80 + (i % 120), costUsd: 0.000123 * (1 + (i % 10)), latencyMs: 300 + (i % 900) };
    const transcript = [{ role: 'user' as const, content: `Review: ${sentence(i, 40)}` }, { role: 'assistant' as const, content: null, toolCalls: [{ id: `c${i}`, name: 'classify', arguments: '{}' }] }];
    batch.push({ type: 'item-started', index: i });
    batch.push({ type: 'llm-call', index: i, promptTokens: totals.promptTokens, completionTokens: totals.completionTokens, costUsd: totals.costUsd, latencyMs: totals.latencyMs, status: failed ? 500 : 200 });
    batch.push(
      failed
        ? { type: 'item-failed', index: i, error: 'HTTP 500 from the model after 6 attempts', transcript, ...totals }
        : {
            type: 'item-done',
            index: i,
            output: { sentiment: ['positive', 'negative', 'neutral'][i % 3], score: (i % 100) / 100, summary: sentence(i + 1, 25), topics: ['delivery', 'refund'].slice(0, 1 + (i % 2)), needs_follow_up: i % 4 === 0 },
            transcript,
            ...totals,
          },
    );
    if (batch.length >= 500) {
      writer.apply(batch);
      batch = [];
    }
  }
  writer.apply(batch);
  conn.prepare(`UPDATE runs SET status = 'completed' WHERE id = ?`).run(Number(run.runId));
  conn.close();
  runId = run.runId;
  fs.writeFileSync(marker, runId);
}

const out = path.join(work, `export-${rows}.${format}`);
const child = spawnSync(process.execPath, [import.meta.filename, '--child', db, runId, out], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
if (child.status !== 0) {
  console.error(child.stdout);
  process.exit(1);
}
const r = JSON.parse(child.stdout.trim().split('\n').at(-1)!) as { rows: number; wallMs: number; cpuMs: number; startRss: number; peakRss: number; maxRss: number; bytes: number };
console.log(
  `exported ${r.rows.toLocaleString('en-US')} rows to ${format} (${mib(r.bytes)}) in ${(r.wallMs / 1000).toFixed(2)} s wall, ${(r.cpuMs / 1000).toFixed(2)} s CPU ` +
    `(${Math.round(r.rows / (r.wallMs / 1000)).toLocaleString('en-US')} rows/s); peak RSS ${mib(r.peakRss)} (${mib(r.startRss)} before it began, maxRSS ${mib(r.maxRss)})`,
);
