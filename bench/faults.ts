// Faults: what sporadic 429s, a rate limit and hung calls cost a run. `node bench/faults.ts`
//  (a) the 429 slowdown: 2,000 rows at batch size 32 and 100 ms latency, 5% of them answering 429
//      twice (retry-after 1 s) before they succeed, against the same rows without them (goal ≤ 1.3×),
//      the two runs taken in turn `--runs` times (default 3) and compared by their medians, as a
//      loaded machine moves both;
//  (b) the share of a 600 rpm limit achieved and the 429s it cost (bench/rate-limit.ts with the
//      server's window shortened to 20 s, the same rate: 400 rows, two windows' worth of sending);
//  (c) 10 hung rows out of 1,000 at batch size 32 and 100 ms latency with a 3 s per-attempt timeout,
//      against the same rows without them. A hung row hangs on every attempt and fails after its one retry.
// Each batch is the app's path below a run's worker: the spec-driven batch; it and the test server
// run on this thread. Options: --rows 2000 --batch-size 32 --latency 100 --runs 3 --skip a,b,c
import { parseArgs } from 'node:util';
import { AgentSpecSchema, RunOptionsSchema, type BatchEvent, type RunOptionsInput } from '../shared/domain.ts';
import { startSpecBatch } from '../electron/core/engine/index.ts';
import { startSimulator } from '../electron/core/simulator/index.ts';
import { measureRateLimit } from './rate-limit.ts';

interface BatchFigures {
  seconds: number;
  done: number;
  failed: number;
  /** The smallest window the engine reported while running. */
  minConcurrency: number;
  requests: number;
  answered429: number;
}

const spec = (baseURL: string) =>
  AgentSpecSchema.parse({
    name: 'faults',
    model: 'gpt-4o-mini',
    baseURL,
    prompt: '{{q}}',
    tools: [{ name: 'answer', parameters: { type: 'object', properties: { answer: { type: 'string' } }, required: ['answer'] } }],
    doneIfTool: true,
    output: { answer: 'answer' },
  });

/** Rows `row 0`, `row 1`…; `directive(i)` adds a marker to row i. */
async function runRows(rows: number, latencyMs: number, options: RunOptionsInput, directive: (i: number) => string): Promise<BatchFigures> {
  const sim = await startSimulator({ latencyMs });
  try {
    const items = Array.from({ length: rows }, (_, i) => ({ index: i, prompt: `row ${i} ${directive(i)}`.trimEnd() }));
    let done = 0;
    let failed = 0;
    let minConcurrency = Infinity;
    const t0 = performance.now();
    const handle = startSpecBatch({
      spec: spec(sim.url),
      items,
      options: RunOptionsSchema.parse(options),
      apiKey: 'k',
      onEvent: (e: BatchEvent) => {
        if (e.type === 'item-done') done++;
        else if (e.type === 'item-failed') failed++;
        else if (e.type === 'progress' && e.running > 0) minConcurrency = Math.min(minConcurrency, e.concurrency);
      },
    });
    await handle.done;
    const seconds = (performance.now() - t0) / 1000;
    const s = sim.stats();
    return { seconds, done, failed, minConcurrency, requests: s.requests, answered429: s.byStatus[429] ?? 0 };
  } finally {
    await sim.close();
  }
}

const line = (label: string, f: BatchFigures) =>
  `${label}: ${f.done} done, ${f.failed} failed in ${f.seconds.toFixed(2)} s (${f.requests} requests, ${f.answered429} answered 429, smallest window ${f.minConcurrency})`;

/** Every `every`-th row from `offset`, so the chosen rows spread evenly over the run. */
const spread = (every: number, offset: number) => (i: number) => i % every === offset;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function sporadic429(rows: number, batchSize: number, latencyMs: number, runs: number): Promise<void> {
  const throttled = spread(20, 9);
  const clean: number[] = [];
  const faulty: number[] = [];
  for (let run = 1; run <= runs; run++) {
    const c = await runRows(rows, latencyMs, { batchSize }, () => '');
    const f = await runRows(rows, latencyMs, { batchSize }, (i) => (throttled(i) ? '[[status:429x2]]' : ''));
    console.log(`(a) run ${run}: ${line('clean', c)}`);
    console.log(`(a) run ${run}: ${line('5% of rows answering 429 twice', f)}`);
    clean.push(c.seconds);
    faulty.push(f.seconds);
  }
  const ratio = median(faulty) / median(clean);
  console.log(
    `(a) 429 slowdown: ${ratio.toFixed(2)}× the clean run (medians of ${runs}: ${median(faulty).toFixed(2)} s vs ${median(clean).toFixed(2)} s; ` +
      `${rows} rows, batch size ${batchSize}, ${latencyMs} ms latency; goal ≤ 1.3×)`,
  );
}

async function rpmShare(): Promise<void> {
  const m = await measureRateLimit({ rpm: 600, windowMs: 20_000, items: 400, batchSize: 64, latencyMs: 50 });
  console.log(`(b) ${m.summary}`);
}

async function hungRows(batchSize: number, latencyMs: number): Promise<void> {
  const rows = 1000;
  const hung = spread(100, 49); // 10 rows
  const options = { batchSize, timeoutMs: 3000 };
  const clean = await runRows(rows, latencyMs, options, () => '');
  const faulty = await runRows(rows, latencyMs, options, (i) => (hung(i) ? '[[hang]]' : ''));
  console.log(`(c) ${line('clean, 3 s timeout', clean)}`);
  console.log(`(c) ${line('10 hung rows of 1,000, 3 s timeout', faulty)}`);
  const attempts = (faulty.requests - (rows - 10)) / 10;
  console.log(
    `(c) time with hung rows: ${faulty.seconds.toFixed(2)} s = ${(faulty.seconds / clean.seconds).toFixed(2)}× the clean run ` +
      `(each hung row tried ${attempts} times, a timed-out call is retried once, then its row fails)`,
  );
}

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '2000' },
    'batch-size': { type: 'string', default: '32' },
    latency: { type: 'string', default: '100' },
    runs: { type: 'string', default: '3' },
    skip: { type: 'string', default: '' },
  },
});
const skip = new Set(values.skip.split(',').filter(Boolean));
const batchSize = Number(values['batch-size']);
const latencyMs = Number(values.latency);
if (!skip.has('a')) await sporadic429(Number(values.rows), batchSize, latencyMs, Number(values.runs));
if (!skip.has('b')) await rpmShare();
if (!skip.has('c')) await hungRows(batchSize, latencyMs);
