// Load: a 100,000-item run at batch size 256 through the runs service (its worker thread writing every
// event to SQLite), against the simulator at zero latency in its own process. The measuring process
// is the app's side: it hosts the service and listens to the run's contract events as a front does,
// reading the first page of results at each progress event (the table of a watching UI). Prints the
// peak RSS of that process (threads included), its main thread's event-loop delay while the run
// runs (p50, p99, max), the database's size after the run, and the run's throughput.
// Run: node bench/load.ts [--items 100000] [--batch-size 256] [--json]
// electron/core/runs/load.test.ts runs the same at 10,000 items for its behaviour; the figures are here.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { createRunService } from '../electron/core/runs/service.ts';
import { qaAgent, writeQuestionsCsv } from '../electron/core/testing/fixtures.ts';
import { startSimulatorProcess } from './simulator-process.ts';

export interface LoadResult {
  items: number;
  batchSize: number;
  status: string;
  done: number;
  runSeconds: number;
  itemsPerSecond: number;
  /** The OS's peak resident set of the process over its life (import and run), bytes. */
  peakRssBytes: number;
  /** RSS sampled every 50 ms during the run, bytes. */
  runPeakRssBytes: number;
  rssBeforeRunBytes: number;
  /** The main thread's event-loop delay during the run, ms, as monitorEventLoopDelay at a 5 ms resolution reads it (idle: about 5). */
  loopP50Ms: number;
  loopP99Ms: number;
  loopMaxMs: number;
  /** The database file (and what is left of its WAL) after the run and a checkpoint, bytes. */
  dbBytes: number;
  walBytes: number;
  progressEvents: number;
}

export async function measureLoad(items: number, batchSize: number): Promise<LoadResult> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rr-load-'));
  const dbPath = path.join(dir, 'rowrunner.db');
  const sim = await startSimulatorProcess(0);
  const stopSim = () => sim.child.kill('SIGTERM');
  process.once('exit', stopSim);
  try {
    const svc = createRunService({ dbPath, apiKey: () => 'sk-test', tuneHeapForWorkers: true });
    const csv = await writeQuestionsCsv(path.join(dir, 'items.csv'), items, (i) => `Is review ${i} positive? The delivery was late but support was helpful.`);
    const ds = await svc.importDataset(csv);
    const run = svc.createRun({
      datasetId: ds.id,
      agent: qaAgent(sim.url, { confidence: true, name: 'load', model: 'gpt-4o-mini', systemMessage: 'Answer with the tool.', prompt: '{{question}}' }),
      options: { batchSize },
    });

    // What a watching front does: take each progress event and read the table's first page.
    let progressEvents = 0;
    const offProgress = svc.on('run:progress', (p) => {
      if (p.runId !== run.runId) return;
      progressEvents++;
      svc.itemsPage({ runId: run.runId, offset: 0, limit: 50 });
    });
    const offItems = svc.on('run:items', () => undefined);

    const rssBeforeRunBytes = process.memoryUsage().rss;
    let runPeakRssBytes = rssBeforeRunBytes;
    const sampler = setInterval(() => (runPeakRssBytes = Math.max(runPeakRssBytes, process.memoryUsage().rss)), 50);
    const loop = monitorEventLoopDelay({ resolution: 5 });
    loop.enable();
    const t0 = performance.now();
    svc.start(run.runId);
    const info = await svc.finished(run.runId);
    const runSeconds = (performance.now() - t0) / 1000;
    loop.disable();
    clearInterval(sampler);
    runPeakRssBytes = Math.max(runPeakRssBytes, process.memoryUsage().rss);
    offProgress();
    offItems();
    await svc.close();
    const size = (f: string) => (fs.existsSync(f) ? fs.statSync(f).size : 0);
    const ms = (ns: number) => Math.round(ns / 1e4) / 100;
    return {
      items,
      batchSize,
      status: info.status,
      done: info.totals.done,
      runSeconds,
      itemsPerSecond: info.totals.done / runSeconds,
      peakRssBytes: process.resourceUsage().maxRSS * 1024,
      runPeakRssBytes,
      rssBeforeRunBytes,
      loopP50Ms: ms(loop.percentile(50)),
      loopP99Ms: ms(loop.percentile(99)),
      loopMaxMs: ms(loop.max),
      dbBytes: size(dbPath),
      walBytes: size(`${dbPath}-wal`),
      progressEvents,
    };
  } finally {
    process.off('exit', stopSim);
    stopSim();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export function describeLoad(r: LoadResult): string {
  const mib = (n: number) => `${(n / 2 ** 20).toFixed(1)} MiB`;
  return (
    `${r.done.toLocaleString('en-US')} of ${r.items.toLocaleString('en-US')} items at batch size ${r.batchSize} in ${r.runSeconds.toFixed(1)} s ` +
    `(${Math.round(r.itemsPerSecond).toLocaleString('en-US')} items/s), ${r.status}; peak RSS ${mib(r.peakRssBytes)} ` +
    `(${mib(r.runPeakRssBytes)} during the run, ${mib(r.rssBeforeRunBytes)} before it); main thread's event-loop delay (a 5 ms timer, so idle reads 5) ` +
    `p50 ${r.loopP50Ms} ms, p99 ${r.loopP99Ms} ms, max ${r.loopMaxMs} ms (${r.progressEvents} progress events, each reading a page); ` +
    `database ${mib(r.dbBytes)} (${Math.round(r.dbBytes / r.items).toLocaleString('en-US')} bytes an item), WAL left ${mib(r.walBytes)}`
  );
}

if (process.argv[1] && path.resolve(process.argv[1]) === import.meta.filename) {
  const { values } = parseArgs({
    options: {
      items: { type: 'string', default: '100000' },
      'batch-size': { type: 'string', default: '256' },
      json: { type: 'boolean', default: false },
    },
  });
  const r = await measureLoad(Number(values.items), Number(values['batch-size']));
  console.log(values.json ? JSON.stringify(r) : `load: ${describeLoad(r)}`);
  process.exit(0);
}
