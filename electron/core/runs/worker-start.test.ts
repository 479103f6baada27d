import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import type { ParentMessage, WorkerMessage } from './protocol.ts';
import { RUN_WORKER_URL, startEarlyWorker, takeEarlyWorker, type SpareWorker } from './worker-start.ts';

let taken: SpareWorker | undefined;
let dir: string | undefined;
afterEach(async () => {
  await taken?.worker.terminate();
  taken = undefined;
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

it('an early worker is taken once, only for its own entry, and is alive until used', async () => {
  startEarlyWorker();
  startEarlyWorker(); // a second call starts no second worker
  expect(takeEarlyWorker(new URL('./elsewhere.ts', RUN_WORKER_URL))).toBeUndefined();
  taken = takeEarlyWorker(RUN_WORKER_URL);
  expect(taken).toBeDefined();
  expect(takeEarlyWorker(RUN_WORKER_URL)).toBeUndefined();
  // It loads its modules and waits for its run rather than exiting: given a run that does not exist,
  // it answers that, which only a worker still waiting for its 'init' can do.
  const { worker } = taken!;
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rr-worker-start-'));
  const outcome = new Promise<string>((resolve) => {
    worker.once('exit', () => resolve('exited'));
    worker.on('message', (m: WorkerMessage) => {
      if (m.type === 'fatal') resolve(m.error);
    });
  });
  worker.postMessage({ type: 'init', init: { dbPath: path.join(dir, 'rowrunner.db'), runId: 1 } } satisfies ParentMessage);
  expect(await outcome).toBe('run 1 does not exist');
  expect(taken!.alive).toBe(true);
});
