// Batch mode against live: the same rows through the runs service, once with live calls and once
// through the test server's Batch API (each batch done as soon as it is looked at), on fresh
// databases. Every 100th row fails at the provider and every 250th expires in its first batch (sent
// once more). Prints, per mode: rows done and failed, batches and uploads, tokens, cost, wall time;
// then the batch run's cost as a share of the live one and whether the exports match (cost and
// latency columns aside).
// Run: node bench/batch-mode.ts [--rows 2000] [--batch-size 64]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { RunMode } from '../shared/domain.ts';
import { createRunService } from '../electron/core/runs/service.ts';
import { startSimulator } from '../electron/core/simulator/index.ts';
import { openDatabase } from '../electron/core/store/db.ts';
import { runBatches } from '../electron/core/store/provider-batches.ts';
import { qaAgent, TEST_PRICING, writeQuestionsCsv } from '../electron/core/testing/fixtures.ts';

const { values } = parseArgs({ options: { rows: { type: 'string', default: '2000' }, 'batch-size': { type: 'string', default: '64' } } });
const rows = Number(values.rows);
const batchSize = Number(values['batch-size']);

const sim = await startSimulator();
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rr-bench-batch-'));
const csv = await writeQuestionsCsv(path.join(dir, 'items.csv'), rows, (i) =>
  i % 100 === 7 ? `question ${i} [[status:400]]` : i % 250 === 13 ? `question ${i} [[batchexpirex1]]` : `question ${i}`,
);

async function session(mode: RunMode) {
  const dbPath = path.join(dir, `${mode}.db`);
  const svc = createRunService({ dbPath, apiKey: () => 'sk-test', tuneHeapForWorkers: true });
  try {
    const ds = await svc.importDataset(csv);
    const agent = { ...qaAgent(sim.url, { pricing: TEST_PRICING }), maxTokensPerCall: 50 };
    const run = svc.createRun({ datasetId: ds.id, agent, options: mode === 'batch' ? { mode } : { batchSize } });
    sim.resetStats();
    const started = performance.now();
    svc.start(run.runId);
    const info = await svc.finished(run.runId);
    const seconds = (performance.now() - started) / 1000;
    const out = path.join(dir, `${mode}.jsonl`);
    await svc.exportRun(run.runId, out, 'jsonl');
    const db = openDatabase(dbPath, { readonly: true });
    const batches = runBatches(db, Number(run.runId));
    db.close();
    const stats = sim.stats();
    const exported = fs
      .readFileSync(out, 'utf8')
      .trim()
      .split('\n')
      .map((l) => {
        const { _cost_usd: _c, _latency_ms: _l, ...rest } = JSON.parse(l) as Record<string, unknown>;
        return JSON.stringify(rest);
      });
    return { mode, info, seconds, batches, uploads: stats.fileUploads, exported };
  } finally {
    await svc.close();
  }
}

const live = await session('live');
const batch = await session('batch');
for (const s of [live, batch]) {
  const t = s.info.totals;
  console.log(
    `${s.mode.padEnd(5)}: ${t.items} rows, ${t.done} done, ${t.failed} failed · ${s.batches.length} batches (${s.batches.map((b) => `${b.status} ${b.total}`).join(', ') || 'none'}), ` +
      `${s.uploads} uploads · ${(t.promptTokens + t.completionTokens).toLocaleString('en-US')} tokens · $${t.costUsd.toFixed(6)} · ${s.seconds.toFixed(1)} s`,
  );
}
const same = live.exported.length === batch.exported.length && live.exported.every((r, i) => r === batch.exported[i]);
console.log(`batch cost / live cost: ${(batch.info.totals.costUsd / live.info.totals.costUsd).toFixed(4)} · exports equal (cost and latency aside): ${same}`);
await sim.close();
fs.rmSync(dir, { recursive: true, force: true });
