// Measures the batch engine: `node bench/engine-throughput.ts`
//  (a) throughput of 2,000 items at batchSize 64 against the simulator at 100 ms latency, as a share of
//      the ceiling 64 / 0.1 s = 640 items/s, in process (library) and as a run of the runs service (the
//      app's path: a run worker, items and results in SQLite);
//  (b) the calling thread's event-loop delay (p99) while a run's worker runs 10,000 items at zero latency.
// The simulator runs on its own thread, so that it competes with neither measured thread's event loop.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import type { AgentSpecInput } from '../shared/domain.ts';
import { ChatAgent, Task, runBatchTasks } from '../electron/core/engine/index.ts';
import { createRunService, type RunEvent } from '../electron/core/runs/service.ts';

interface SimHost {
  url: string;
  stop(): Promise<void>;
}

async function simulatorThread(latencyMs: number): Promise<SimHost> {
  const worker = new Worker(new URL(import.meta.url), { workerData: { role: 'simulator', latencyMs } });
  const url = await new Promise<string>((resolve, reject) => {
    worker.once('message', (m: { url: string }) => resolve(m.url));
    worker.once('error', reject);
  });
  return {
    url,
    async stop() {
      worker.postMessage('stop');
      await new Promise((r) => worker.once('exit', r));
    },
  };
}

const spec = (baseURL: string): AgentSpecInput => ({
    name: 'bench',
    model: 'gpt-4o-mini',
    baseURL,
    systemMessage: 'Answer with the tool.',
    prompt: '{{q}}',
    tools: [{ name: 'answer', parameters: { type: 'object', properties: { answer: { type: 'string' }, confidence: { type: 'number', minimum: 0, maximum: 1 } }, required: ['answer', 'confidence'] } }],
    doneIfTool: true,
    output: { answer: 'answer', confidence: 'confidence' },
});

/**
 * Runs `n` items as a run of a fresh runs service (its own database in a scratch folder), calling
 * onEvent with each of its events; resolves when the run has finished.
 */
async function serviceRun(baseURL: string, n: number, tag: string, onEvent: (e: RunEvent) => void): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rr-bench-engine-'));
  const svc = createRunService({ dbPath: path.join(dir, 'bench.db'), apiKey: () => 'k', tuneHeapForWorkers: true });
  try {
    const csv = path.join(dir, 'items.csv');
    fs.writeFileSync(csv, ['q', ...Array.from({ length: n }, (_, i) => `${tag} ${i}`)].join('\n') + '\n');
    const ds = await svc.importDataset(csv);
    const run = svc.createRun({ datasetId: ds.id, agent: spec(baseURL), options: { batchSize: 64 } });
    svc.subscribe((_runId, e) => onEvent(e));
    svc.start(run.runId);
    const info = await svc.finished(run.runId);
    if (info.totals.done !== n) throw new Error(`only ${info.totals.done} items done (${info.status}${info.error ? `: ${info.error}` : ''})`);
  } finally {
    await svc.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function throughput(): Promise<void> {
  const n = 2000;
  const batchSize = 64;
  const ceiling = batchSize / 0.1;
  const sim = await simulatorThread(100);
  try {
    // In process, through the library.
    const agent = new ChatAgent({ name: 'bench', model: 'gpt-4o-mini', baseURL: sim.url, apiKey: 'k' });
    const t0 = performance.now();
    const results = await runBatchTasks(new Task(agent), Array.from({ length: n }, (_, i) => `library item ${i}`), { batchSize });
    const libSeconds = (performance.now() - t0) / 1000;
    await agent.close();
    if (results.length !== n) throw new Error('lost items');
    const libRate = n / libSeconds;
    console.log(`(a) library, in process: ${n} items in ${libSeconds.toFixed(2)} s = ${libRate.toFixed(0)} items/s = ${((100 * libRate) / ceiling).toFixed(1)}% of ${ceiling}`);

    // As a run of the runs service: its worker thread, the store (what the app runs).
    let firstStart = 0;
    let doneCount = 0;
    const w0 = performance.now();
    await serviceRun(sim.url, n, 'worker item', (e) => {
      if (e.type === 'item-started' && firstStart === 0) firstStart = performance.now();
      if (e.type === 'item-done') doneCount++;
    });
    const end = performance.now();
    if (doneCount !== n) throw new Error(`only ${doneCount} items done`);
    const wall = (end - w0) / 1000;
    const running = (end - firstStart) / 1000;
    console.log(
      `(a) a run of the runs service: ${n} items in ${wall.toFixed(2)} s with the thread's start-up (${((100 * n) / wall / ceiling).toFixed(1)}%), ` +
        `${running.toFixed(2)} s from the first item (${(n / running).toFixed(0)} items/s = ${((100 * n) / running / ceiling).toFixed(1)}% of ${ceiling})`,
    );
  } finally {
    await sim.stop();
  }
}

async function eventLoopDelay(): Promise<void> {
  const n = 10_000;
  const sim = await simulatorThread(0);
  try {
    const histogram = monitorEventLoopDelay({ resolution: 1 });
    let events = 0;
    let messages = 0;
    let doneCount = 0;
    histogram.enable();
    const t0 = performance.now();
    await serviceRun(sim.url, n, 'delay item', (e) => {
      events++;
      if (e.type === 'item-done') doneCount++;
      if (e.type === 'progress') messages++;
    });
    histogram.disable();
    const seconds = (performance.now() - t0) / 1000;
    if (doneCount !== n) throw new Error(`only ${doneCount} items done`);
    const ms = (ns: number) => (ns / 1e6).toFixed(1);
    console.log(
      `(b) a run of ${n} items at zero latency: ${seconds.toFixed(2)} s (${(n / seconds).toFixed(0)} items/s), ${events} events (${messages} progress); ` +
        `calling thread's event-loop delay p50 ${ms(histogram.percentile(50))} ms, p99 ${ms(histogram.percentile(99))} ms, max ${ms(histogram.max)} ms (goal p99 < 20 ms)`,
    );
  } finally {
    await sim.stop();
  }
}

if (isMainThread) {
  await throughput();
  await eventLoopDelay();
} else if ((workerData as { role?: string }).role === 'simulator') {
  const { startSimulator } = await import('../electron/core/simulator/index.ts');
  const sim = await startSimulator({ latencyMs: (workerData as { latencyMs: number }).latencyMs });
  parentPort!.postMessage({ url: sim.url });
  parentPort!.once('message', () => {
    void sim.close().then(() => process.exit(0));
  });
}
