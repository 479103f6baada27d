// Comparison benchmark: two finished runs of N items (default 1,000,000) over one dataset, a tenth of
// their rows answering differently. Measured in a fresh child process, so that its peak memory is the
// comparison's own: the summary (each run's totals and median latency, the differing rows counted in
// SQL), a page of all rows, a page of only the differing rows at the start and near the end, and the
// export to JSON lines. The runs are prepared once in bench/work/ (items written straight into the
// store: no LLM).
// Run: node bench/compare-runs.ts [rows]
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import v8 from 'node:v8';
import vm from 'node:vm';
import { createRunService } from '../electron/core/runs/service.ts';
import { openDatabase } from '../electron/core/store/db.ts';
import { questionsInStore } from '../electron/core/testing/fixtures.ts';

const mib = (n: number) => `${(n / 2 ** 20).toFixed(1)} MiB`;
const work = path.resolve(import.meta.dirname, 'work');

if (process.argv[2] === '--child') {
  const [db, a, b, out] = process.argv.slice(3);
  fs.rmSync(out, { force: true });
  let peak = process.memoryUsage().rss;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
  const svc = createRunService({ dbPath: db, readonly: true });
  const startRss = process.memoryUsage().rss;
  const timed = async <T>(work: () => T | Promise<T>): Promise<[T, number]> => {
    const t0 = performance.now();
    const value = await work();
    return [value, Math.round(performance.now() - t0)];
  };
  const runIds = [a, b];
  const [summary, summaryMs] = await timed(() => svc.compare.summary(runIds));
  const [, firstPageMs] = await timed(() => svc.compare.page({ runIds, offset: 0, limit: 100 }));
  const [, differingFirstMs] = await timed(() => svc.compare.page({ runIds, offset: 0, limit: 100, onlyDiffering: true }));
  const [, differingLastMs] = await timed(() => svc.compare.page({ runIds, offset: summary.differing - 100, limit: 100, onlyDiffering: true }));
  const [exported, exportMs] = await timed(() => svc.compare.exportTo(runIds, out));
  clearInterval(sampler);
  peak = Math.max(peak, process.memoryUsage().rss);
  // What stays allocated once garbage is collected: a comparison must keep nothing per row.
  v8.setFlagsFromString('--expose-gc');
  (vm.runInNewContext('gc') as () => void)();
  const retained = process.memoryUsage().heapUsed;
  await svc.close();
  console.log(JSON.stringify({ retained, rows: exported.rows, differing: summary.differing, summaryMs, firstPageMs, differingFirstMs, differingLastMs, exportMs, startRss, peakRss: peak, bytes: fs.statSync(out).size }));
  process.exit(0);
}

const rows = Number(process.argv[2] ?? 1_000_000);
fs.mkdirSync(work, { recursive: true });
const db = path.join(work, `compare-${rows}.db`);
const marker = `${db}.ready`;
let ids = fs.existsSync(marker) ? fs.readFileSync(marker, 'utf8').trim().split(',') : [];
if (ids.length !== 2) {
  for (const f of [db, `${db}-wal`, `${db}-shm`]) fs.rmSync(f, { force: true });
  const datasetId = questionsInStore(db, rows);
  const svc = createRunService({ dbPath: db });
  const agent = { name: 'qa', model: 'gpt-4o-mini', prompt: 'Answer: {{question}}', output: { answer: 'content' } };
  ids = [svc.createRun({ datasetId: String(datasetId), agent }).runId, svc.createRun({ datasetId: String(datasetId), agent: { ...agent, systemMessage: 'Be brief.' } }).runId];
  await svc.close();
  const conn = openDatabase(db);
  // Every item done with an answer; the second run answers every tenth row differently.
  const done = conn.prepare(
    `UPDATE items SET status = 'done', output = json_object('answer', 'answer ' || (row_index % 97) || CASE WHEN ? AND row_index % 10 = 0 THEN ' (other)' ELSE '' END),
       latency_ms = 200 + row_index % 800, turns = 1 WHERE run_id = ?`,
  );
  conn.transaction(() => {
    done.run(0, Number(ids[0]));
    done.run(1, Number(ids[1]));
    for (const id of ids) conn.prepare(`UPDATE run_counts SET pending = 0, done = ? WHERE run_id = ?`).run(rows, Number(id));
    conn.prepare(`UPDATE runs SET status = 'completed'`).run();
  })();
  conn.close();
  fs.writeFileSync(marker, ids.join(','));
}

const out = path.join(work, `compare-${rows}.jsonl`);
const child = spawnSync(process.execPath, [import.meta.filename, '--child', db, ids[0], ids[1], out], { encoding: 'utf8' });
if (child.status !== 0) throw new Error(child.stderr);
const r = JSON.parse(child.stdout.trim().split('\n').pop()!) as Record<string, number>;
fs.rmSync(out, { force: true });
console.log(`compare: 2 runs of ${rows.toLocaleString('en-US')} items, ${r.differing.toLocaleString('en-US')} rows differ`);
console.log(`  summary (totals, median latency, differing rows counted): ${r.summaryMs} ms`);
console.log(`  first page of 100 rows: ${r.firstPageMs} ms; of differing rows: ${r.differingFirstMs} ms, the last one: ${r.differingLastMs} ms`);
console.log(`  export to jsonl: ${r.exportMs} ms (${mib(r.bytes)})`);
console.log(`  RSS: ${mib(r.startRss)} after opening, peak ${mib(r.peakRss)}; heap in use after a full collection at the end: ${mib(r.retained)}`);
