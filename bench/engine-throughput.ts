// Measures the batch engine: `node bench/engine-throughput.ts`
//  (a) throughput of 2,000 items at batchSize 64 against the simulator at 100 ms latency, as a share of
//      the ceiling 64 / 0.1 s = 640 items/s, in process (library) and on a worker thread (the app's path);
//  (b) the calling thread's event-loop delay (p99) while a worker runs 10,000 items at zero latency.
// The simulator runs on its own thread, so that it competes with neither measured thread's event loop.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { AgentSpecSchema, RunOptionsSchema, type BatchEvent } from '../shared/domain.ts';
import { ChatAgent, Task, runBatchTasks, runSpecBatchOnWorker } from '../electron/core/engine/index.ts';

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

const spec = (baseURL: string) =>
  AgentSpecSchema.parse({
    name: 'bench',
    model: 'gpt-4o-mini',
    baseURL,
    systemMessage: 'Answer with the tool.',
    prompt: '{{q}}',
    tools: [{ name: 'answer', parameters: { type: 'object', properties: { answer: { type: 'string' }, confidence: { type: 'number', minimum: 0, maximum: 1 } }, required: ['answer', 'confidence'] } }],
    doneIfTool: true,
    output: { answer: 'answer', confidence: 'confidence' },
  });

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

    // On a worker thread, the spec-driven batch (what the app runs).
    const items = Array.from({ length: n }, (_, i) => ({ index: i, prompt: `worker item ${i}` }));
    let firstStart = 0;
    let doneCount = 0;
    const w0 = performance.now();
    const handle = runSpecBatchOnWorker({
      spec: spec(sim.url),
      items,
      options: RunOptionsSchema.parse({ batchSize }),
      apiKey: 'k',
      onEvent: (e: BatchEvent) => {
        if (e.type === 'item-started' && firstStart === 0) firstStart = performance.now();
        if (e.type === 'item-done') doneCount++;
      },
    });
    await handle.done;
    const end = performance.now();
    if (doneCount !== n) throw new Error(`only ${doneCount} items done`);
    const wall = (end - w0) / 1000;
    const running = (end - firstStart) / 1000;
    console.log(
      `(a) spec batch on a worker: ${n} items in ${wall.toFixed(2)} s with the thread's start-up (${((100 * n) / wall / ceiling).toFixed(1)}%), ` +
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
    const items = Array.from({ length: n }, (_, i) => ({ index: i, prompt: `delay item ${i}` }));
    let events = 0;
    let messages = 0;
    let doneCount = 0;
    histogram.enable();
    const t0 = performance.now();
    const handle = runSpecBatchOnWorker({
      spec: spec(sim.url),
      items,
      options: RunOptionsSchema.parse({ batchSize: 64 }),
      apiKey: 'k',
      onEvent: (e) => {
        events++;
        if (e.type === 'item-done') doneCount++;
        if (e.type === 'progress') messages++;
      },
    });
    await handle.done;
    histogram.disable();
    const seconds = (performance.now() - t0) / 1000;
    if (doneCount !== n) throw new Error(`only ${doneCount} items done`);
    const ms = (ns: number) => (ns / 1e6).toFixed(1);
    console.log(
      `(b) ${n} items at zero latency on a worker: ${seconds.toFixed(2)} s (${(n / seconds).toFixed(0)} items/s), ${events} events (${messages} progress); ` +
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
