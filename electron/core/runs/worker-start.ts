// Starting a run's worker thread, kept apart from the runs service so that a front can start one
// before it loads anything else: the CLI's `run` starts its worker first thing, and the worker loads
// its modules (the engine, the SDK, the store) on the second core while the main thread loads its own
// and imports the CSV. A warm worker loads, then waits for its run in an 'init' message.
import v8 from 'node:v8';
import { Worker } from 'node:worker_threads';
import type { WarmStart, WorkerInit } from './protocol.ts';

export const RUN_WORKER_URL = new URL('./run-worker.ts', import.meta.url);

// A run worker's heap. A batch keeps hundreds of items in flight, and every call through the openai
// SDK makes some 60 KB of short-lived objects, so each scavenge finds the last few hundred items'
// objects alive and the next one promotes them: the old space fills with garbage, and V8 lets it grow
// to several times what is live before a full collection. On top of that, the first scavenges find
// nearly everything alive and V8 then allocates such objects straight in the old space
// (allocation-site pretenuring). 100,000 items at batch size 256 peaked at 420 to 450 MB of RSS.
// With a 64 MB young generation (fewer objects live through two scavenges), no pretenuring, and the
// old space collected once it grows by half, about 330 MB, and less CPU than before (fewer
// scavenges; full collections of a small old space are cheap). A smaller young generation promotes
// more; collecting the old space sooner costs much more CPU for little memory.
const WORKER_RESOURCE_LIMITS = { maxYoungGenerationSizeMb: 64 };

let workerHeapFlagsSet = false;
/**
 * V8's heap flags that keep a process with run workers small; process-wide, so only a front that owns
 * its process sets them.
 */
export function setWorkerHeapFlags(): void {
  if (workerHeapFlagsSet) return;
  workerHeapFlagsSet = true;
  // Read at every collection, so they hold for workers started from now on.
  v8.setFlagsFromString('--no-allocation-site-pretenuring');
  v8.setFlagsFromString('--heap-growing-percent=50');
  // The main thread's young generation grows in small steps rather than doubling. While a run's
  // worker sends, the main thread reads the file and relays progress; reading a million rows made V8
  // double its young generation to 32 MB, whose pages it then kept for the rest of the run. A run
  // worker, which needs its large young generation, starts with half of it instead (read when an
  // isolate is made, so only workers started from now on).
  v8.setFlagsFromString('--semi-space-growth-factor=1');
  v8.setFlagsFromString(`--min-semi-space-size=${WORKER_RESOURCE_LIMITS.maxYoungGenerationSizeMb / 2}`);
}

export function startRunWorker(url: URL, data: WorkerInit | WarmStart): Worker {
  return new Worker(url, { workerData: data, resourceLimits: WORKER_RESOURCE_LIMITS });
}

/** A warm worker that does not keep the process alive, and says whether it is still usable. */
export interface SpareWorker {
  worker: Worker;
  url: string;
  alive: boolean;
}

export function startSpareWorker(url: URL): SpareWorker {
  const worker = startRunWorker(url, { warm: true });
  const spare: SpareWorker = { worker, url: url.href, alive: true };
  const dead = (): void => {
    spare.alive = false;
  };
  worker.on('error', dead);
  worker.on('exit', dead);
  worker.unref();
  return spare;
}

let early: SpareWorker | undefined;

/** Starts a warm worker now, for the next runs service of this process (with the same entry) to take. */
export function startEarlyWorker(url: URL = RUN_WORKER_URL): void {
  setWorkerHeapFlags();
  early ??= startSpareWorker(url);
}

/** The worker startEarlyWorker started, if it is for this entry and not yet taken. */
export function takeEarlyWorker(url: URL): SpareWorker | undefined {
  if (!early || early.url !== url.href) return undefined;
  const s = early;
  early = undefined;
  return s;
}
