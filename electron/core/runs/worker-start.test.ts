import { afterEach, expect, it } from 'vitest';
import { RUN_WORKER_URL, startEarlyWorker, takeEarlyWorker, type SpareWorker } from './worker-start.ts';

let taken: SpareWorker | undefined;
afterEach(async () => {
  await taken?.worker.terminate();
  taken = undefined;
});

it('an early worker is taken once, only for its own entry, and is alive until used', async () => {
  startEarlyWorker();
  startEarlyWorker(); // a second call starts no second worker
  expect(takeEarlyWorker(new URL('./elsewhere.ts', RUN_WORKER_URL))).toBeUndefined();
  taken = takeEarlyWorker(RUN_WORKER_URL);
  expect(taken).toBeDefined();
  expect(takeEarlyWorker(RUN_WORKER_URL)).toBeUndefined();
  // It loads its modules and waits for its run rather than exiting.
  const exited = new Promise((resolve) => taken!.worker.once('exit', resolve));
  const outcome = await Promise.race([exited.then(() => 'exited'), new Promise((r) => setTimeout(() => r('waiting'), 1500))]);
  expect(outcome).toBe('waiting');
  expect(taken!.alive).toBe(true);
});
