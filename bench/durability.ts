// Durability's cost: the same run through the runs service with each finished item committed before
// the next request goes out (what the worker does), and, for comparison, with every event waiting for
// a 50 ms timer (the older way, which a crash could cost the answers in that wait). The simulator runs
// in its own process. Prints, per session and as the median of each way: wall time, items/s and its
// share of the ceiling batchSize / latency, and this process's CPU time (the worker's included).
// Run: node bench/durability.ts [--items 5000] [--batch-size 64] [--latency 100] [--rounds 3]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createRunService } from '../electron/core/runs/service.ts';
import { startSimulatorProcess } from './simulator-process.ts';

const { values } = parseArgs({
  options: {
    items: { type: 'string', default: '5000' },
    'batch-size': { type: 'string', default: '64' },
    latency: { type: 'string', default: '100' },
    rounds: { type: 'string', default: '3' },
  },
});
const items = Number(values.items);
const batchSize = Number(values['batch-size']);
const latencyMs = Number(values.latency);
const rounds = Number(values.rounds);
const ceiling = latencyMs > 0 ? (batchSize * 1000) / latencyMs : Infinity;

type Way = 'per item' | '50 ms timer';
interface Session {
  way: Way;
  seconds: number;
  cpuSeconds: number;
}

async function session(way: Way, url: string, dir: string, round: number): Promise<Session> {
  const dbPath = path.join(dir, `${way === 'per item' ? 'item' : 'timer'}-${round}.db`);
  const svc = createRunService({ dbPath, apiKey: () => 'sk-test', tuneHeapForWorkers: true, worker: way === 'per item' ? {} : { flushMs: 50 } });
  try {
    const csv = path.join(dir, 'items.csv');
    const ds = await svc.importDataset(csv);
    const run = svc.createRun({
      datasetId: ds.id,
      agent: {
        name: 'durability',
        model: 'gpt-4o-mini',
        baseURL: url,
        systemMessage: 'Answer with the tool.',
        prompt: '{{question}}',
        tools: [
          {
            name: 'answer',
            description: 'The answer',
            parameters: { type: 'object', properties: { answer: { type: 'string' }, confidence: { type: 'number', minimum: 0, maximum: 1 } }, required: ['answer', 'confidence'] },
          },
        ],
        doneIfTool: true,
        output: { answer: 'answer', confidence: 'confidence' },
      },
      options: { batchSize },
    });
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    svc.start(run.runId);
    const info = await svc.finished(run.runId);
    const seconds = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    if (info.status !== 'completed' || info.totals.done !== items) throw new Error(`${way}: the run ended ${info.status} with ${info.totals.done} of ${items} done`);
    return { way, seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6 };
  } finally {
    await svc.close();
  }
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const share = (rate: number): string => (Number.isFinite(ceiling) ? ` = ${((100 * rate) / ceiling).toFixed(1)}% of ${ceiling.toFixed(0)}` : '');

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rr-durability-'));
const sim = await startSimulatorProcess(latencyMs);
try {
  fs.writeFileSync(path.join(dir, 'items.csv'), ['id,question', ...Array.from({ length: items }, (_, i) => `${i},Is review ${i} positive? The delivery was late but support was helpful.`)].join('\n') + '\n');
  console.log(`${items} items, batch ${batchSize}, simulator latency ${latencyMs} ms, ${rounds} rounds (the two ways alternate)`);
  const sessions: Session[] = [];
  for (let r = 0; r < rounds; r++) {
    for (const way of (r % 2 === 0 ? ['per item', '50 ms timer'] : ['50 ms timer', 'per item']) as Way[]) {
      const s = await session(way, sim.url, dir, r);
      sessions.push(s);
      console.log(`  ${way.padEnd(11)} ${s.seconds.toFixed(2)} s, ${(items / s.seconds).toFixed(0)} items/s${share(items / s.seconds)}, CPU ${s.cpuSeconds.toFixed(2)} s`);
    }
  }
  for (const way of ['per item', '50 ms timer'] as Way[]) {
    const mine = sessions.filter((s) => s.way === way);
    const seconds = median(mine.map((s) => s.seconds));
    const cpu = median(mine.map((s) => s.cpuSeconds));
    console.log(`median, ${way.padEnd(11)} ${seconds.toFixed(2)} s, ${(items / seconds).toFixed(0)} items/s${share(items / seconds)}, CPU ${cpu.toFixed(2)} s`);
  }
} finally {
  sim.child.kill('SIGTERM');
  fs.rmSync(dir, { recursive: true, force: true });
}
