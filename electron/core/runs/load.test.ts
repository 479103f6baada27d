// Load, scaled down: bench/load.ts at 10,000 items (batch size 256, the simulator at zero latency in
// its own process), in a fresh process. The behaviour: the run completes with every item done and
// leaves its WAL checkpointed. Its figures (event-loop delay, memory, database size) are the bench's.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { expect, it } from 'vitest';
import type { LoadResult } from '../../../bench/load.ts';

const BENCH = path.resolve(import.meta.dirname, '../../../bench/load.ts');
const ITEMS = 10_000;

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

it(`a ${ITEMS.toLocaleString('en-US')}-item run at batch size 256 completes every item and checkpoints its WAL`, { timeout: 180_000 }, async () => {
  const r = await runBench(ITEMS);
  expect(r.status).toBe('completed');
  expect(r.done).toBe(ITEMS);
  expect(r.dbBytes).toBeGreaterThan(0);
  expect(r.walBytes).toBe(0);
});
