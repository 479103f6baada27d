// The run workers: one worker thread per running run, started (or taken warm) when it starts,
// watched for silence, and wound down when its run ends. The parent's only writes for a running run
// are here: marking it interrupted when its worker died without committing its end.
import type { Worker } from 'node:worker_threads';
import type { BatchEvent, FinishStatus, RunStatus } from '../../../shared/domain.ts';
import type { RunTotals } from '../../../shared/contract.ts';
import { conflict } from '../errors.ts';
import type { Db } from '../store/db.ts';
import { resetRunning, resetSkipped } from '../store/items.ts';
import { claimRun, getRun, releaseRun, type RunRecord } from '../store/runs.ts';
import { processOwner } from '../process-owner.ts';
import type { RunEvents } from './events.ts';
import { workerFault } from './fault-injection.ts';
import { createRunProgress, type RunProgress } from './progress.ts';
import type { ParentMessage, WorkerInit, WorkerMessage } from './protocol.ts';
import type { RunInfo, StartOptions } from './service.ts';
import { startRunWorker, startSpareWorker, takeEarlyWorker, type SpareWorker } from './worker-start.ts';

function isFinishStatus(s: RunStatus): s is FinishStatus {
  return s === 'completed' || s === 'stopped-error' || s === 'stopped-budget' || s === 'cancelled';
}

/** How long a worker whose run ended may take to sync it to the database file and exit. */
const WIND_DOWN_MS = 10_000;

interface ActiveRun {
  worker: Worker;
  progress: RunProgress;
  done: Promise<RunInfo>;
  ended: boolean;
}

export interface SupervisorOptions {
  db: Db;
  dbPath: string;
  workerUrl: URL;
  events: RunEvents;
  /** The run as fronts see it, once its session ended. */
  infoOf(runId: number): RunInfo;
  /** The key for sessions started without one. */
  apiKey?: () => string | undefined;
  worker?: Pick<WorkerInit, 'flushMs' | 'flushEvents'>;
  eventIntervalMs: number;
  workerSilenceMs: number;
}

export interface Supervisor {
  /** Claims the run for this process and starts its session on a worker (`filling`: its rows are still being read). */
  launch(run: RunRecord, start: StartOptions, filling?: boolean): void;
  isActive(runId: number): boolean;
  /** The session's end, or undefined if the run is not running here. */
  done(runId: number): Promise<RunInfo> | undefined;
  /** Sends a message to the run's worker; conflict if it is not running here. */
  post(runId: number, message: ParentMessage): Promise<RunInfo>;
  /** Tells running workers which engine events to forward. */
  forward(types: BatchEvent['type'][] | null): void;
  /** Starts a worker ahead of the next run. */
  prewarm(): void;
  /** Cancels every session, waits for their ends to be committed and their workers to exit. */
  stopAll(): Promise<void>;
  /** Stops a run's worker at once (a forced quit); its exit marks the run interrupted. */
  abandon(runId: number): Promise<void>;
}

export function createSupervisor(o: SupervisorOptions): Supervisor {
  const { db, events } = o;
  const active = new Map<number, ActiveRun>();
  /** Workers whose run has ended, still syncing it to the database file (see windDown). */
  const exiting = new Set<Promise<void>>();
  /** A worker started by prewarm, waiting for the next run. */
  let spare: SpareWorker | undefined;

  const takeSpare = (): Worker | undefined => {
    const s = spare;
    spare = undefined;
    if (!s) return undefined;
    s.worker.removeAllListeners();
    if (!s.alive) {
      void s.worker.terminate();
      return undefined;
    }
    s.worker.ref();
    return s.worker;
  };

  /**
   * A worker whose run has ended syncs the run to the database file (a WAL checkpoint), then exits;
   * stopAll waits for it, so that the process never ends halfway through. One that takes longer
   * than WIND_DOWN_MS (a stalled disk) is stopped: what it committed is safe in the WAL.
   */
  const windDown = (worker: Worker): void => {
    const gone = new Promise<void>((resolve) => {
      const bound = setTimeout(() => void worker.terminate().finally(resolve), WIND_DOWN_MS);
      worker.once('exit', () => {
        clearTimeout(bound);
        resolve();
      });
    });
    exiting.add(gone);
    void gone.then(() => exiting.delete(gone));
  };

  const markDead = (runId: number, error: string): void => {
    try {
      db.transaction(() => {
        const r = getRun(db, runId);
        if (!r || (r.status !== 'running' && r.status !== 'paused')) return;
        resetRunning(db, runId);
        releaseRun(db, runId, 'interrupted', error, 0);
      }).immediate();
    } catch {
      // recoverInterrupted catches it at the next open
    }
  };

  const launch = (run: RunRecord, start: StartOptions, filling = false): void => {
    const runId = run.id;
    db.transaction(() => {
      resetRunning(db, runId);
      resetSkipped(db, runId);
      claimRun(db, runId, processOwner());
    }).immediate();
    const init: WorkerInit = {
      dbPath: o.dbPath,
      runId,
      apiKey: start.apiKey ?? o.apiKey?.() ?? process.env.OPENAI_API_KEY,
      baseURL: start.baseURL,
      ...(start.noCache ? { noCache: true } : {}),
      ...o.worker,
      forward: events.forwardTypes(),
      ...(filling ? { filling: true } : {}),
    };
    let worker: Worker;
    try {
      const warm = takeSpare();
      if (warm) warm.postMessage({ type: 'init', init } satisfies ParentMessage);
      worker = warm ?? startRunWorker(o.workerUrl, init);
    } catch (err) {
      markDead(runId, `could not start the run's worker: ${(err as Error).message}`);
      throw err;
    }
    let resolveDone!: (info: RunInfo) => void;
    const a: ActiveRun = {
      worker,
      progress: createRunProgress(String(runId), o.eventIntervalMs, events.emit, events.wants),
      done: new Promise((res) => (resolveDone = res)),
      ended: false,
    };
    active.set(runId, a);

    // A worker that is alive but stuck (a loop that never yields, a native call that never returns)
    // would leave its run 'running' for good: one that has said nothing for too long is stopped.
    let lastHeard = Date.now();
    let announcedQuietMs = 0;
    let silence: string | undefined;
    const watch = setInterval(() => {
      const quiet = Date.now() - lastHeard;
      if (quiet < o.workerSilenceMs + announcedQuietMs || silence) return;
      silence = `the run's worker stopped responding (nothing from it for ${Math.round(quiet / 1000)} s) and was stopped; resume to continue`;
      void worker.terminate();
    }, Math.max(50, Math.min(5000, o.workerSilenceMs / 4)));
    watch.unref();

    const finish = (status: RunStatus, error: string | null, committedEnd = false, totals?: RunTotals): void => {
      if (a.ended) return;
      a.ended = true;
      clearInterval(watch);
      a.progress.setStatus(status, totals);
      active.delete(runId);
      events.emitRaw(runId, { type: 'status', status, error });
      events.emit('run:finished', { runId: String(runId), status, error });
      if (committedEnd) windDown(worker);
      else void worker.terminate();
      resolveDone(o.infoOf(runId));
    };

    worker.on('message', (m: WorkerMessage) => {
      lastHeard = Date.now();
      announcedQuietMs = m.type === 'alive' ? (m.quietMs ?? 0) : 0;
      switch (m.type) {
        case 'events':
          for (const e of m.events) events.emitRaw(runId, e);
          a.progress.report(m);
          break;
        case 'status':
          events.emitRaw(runId, { type: 'status', status: m.status, error: null });
          a.progress.setStatus(m.status, m.totals);
          break;
        case 'ended':
          if (isFinishStatus(m.status)) events.emitRaw(runId, { type: 'finished', status: m.status, ...(m.error ? { error: m.error } : {}) });
          finish(m.status, m.error, true, m.totals);
          break;
        case 'fatal':
          if (!m.committed) markDead(runId, m.error);
          finish('interrupted', m.error);
          break;
      }
    });
    worker.on('error', (err) => {
      const message = `the run's worker crashed: ${err.message}; resume to continue`;
      markDead(runId, message);
      finish('interrupted', message);
    });
    const fault = workerFault();
    if (fault?.kind === 'terminate') setTimeout(() => void worker.terminate(), fault.afterMs).unref();
    worker.on('exit', (code) => {
      if (!a.ended) {
        const message = silence ?? `the run's worker stopped unexpectedly (exit code ${code}); resume to continue`;
        markDead(runId, message);
        finish('interrupted', message);
      }
    });

    events.emitRaw(runId, { type: 'status', status: 'running', error: null });
  };

  let stopped = false;
  return {
    launch,
    isActive: (runId) => active.has(runId),
    done: (runId) => active.get(runId)?.done,
    post(runId, message) {
      const a = active.get(runId);
      if (!a) {
        const r = getRun(db, runId);
        throw conflict(`Run ${runId} is not running in this process (its status is ${r?.status ?? 'unknown'}).`);
      }
      a.worker.postMessage(message);
      return a.done;
    },
    forward(types) {
      for (const a of active.values()) a.worker.postMessage({ type: 'forward', types } satisfies ParentMessage);
    },
    prewarm() {
      if (stopped || spare) return;
      try {
        spare = takeEarlyWorker(o.workerUrl) ?? startSpareWorker(o.workerUrl);
      } catch {
        // The next start starts its own worker.
      }
    },
    async stopAll() {
      stopped = true;
      const unused = takeSpare();
      if (unused) void unused.terminate();
      const running = [...active.values()];
      for (const a of running) a.worker.postMessage({ type: 'cancel' } satisfies ParentMessage);
      await Promise.all(running.map((a) => a.done));
      await Promise.all(exiting);
    },
    async abandon(runId) {
      const a = active.get(runId);
      if (!a) return;
      await a.worker.terminate();
      await a.done;
    },
  };
}
