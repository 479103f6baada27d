// Load, scaled down: bench/load.ts at 10,000 items (batch size 256, the simulator at zero latency in
// its own process), in a fresh process so that its peak memory is the run's own. The bounds are loose
// but can fail: a main thread held up by the run, memory or database growing per item.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { expect, it } from 'vitest';
import { describeLoad, type LoadResult } from '../../../bench/load.ts';

const BENCH = path.resolve(import.meta.dirname, '../../../bench/load.ts');
const ITEMS = 10_000;
const MiB = 2 ** 20;

function runBench(items: number): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BENCH, '--items', String(items), '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`bench/load.ts exited ${code}: ${err}`));
      else resolve(JSON.parse(out.trim().split('\n').at(-1)!) as LoadResult);
    });
  });
}

it(`a ${ITEMS.toLocaleString('en-US')}-item run at batch size 256 keeps the main thread responsive, in bounded memory and database`, { timeout: 120_000 }, async () => {
  const r = await runBench(ITEMS);
  console.log(`load: ${describeLoad(r)}`);
  expect(r.status).toBe('completed');
  expect(r.done).toBe(ITEMS);
  // The thread fronts live on: a run on its worker does not hold it up.
  expect(r.loopP99Ms).toBeLessThan(50);
  // The whole process, threads included (about 320 MiB here, of which 115 before the run).
  expect(r.peakRssBytes).toBeLessThan(640 * MiB);
  // About 850 bytes an item: the prompt, the output, the transcript and the call.
  expect(r.dbBytes / ITEMS).toBeLessThan(2000);
  expect(r.walBytes).toBe(0);
});
