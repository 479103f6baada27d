// Messages between the runs service (parent thread) and a run's worker thread.
import type { BatchEvent, RunStatus } from '../../../shared/domain.ts';
import type { RunTotals } from '../../../shared/contract.ts';

export interface WorkerInit {
  dbPath: string;
  runId: number;
  /** Used for this session only; never written anywhere. */
  apiKey?: string;
  /** Overrides the agent's baseURL for this session (e.g. the built-in simulator). */
  baseURL?: string;
  /** This session answers nothing from the response cache (a rerun's --no-cache). */
  noCache?: boolean;
  /**
   * Commit buffered events on a timer of this many ms instead of as items finish (the older way,
   * for comparison: answers waiting for it are lost to a crash) …
   */
  flushMs?: number;
  /** … or as soon as this many are buffered. */
  flushEvents?: number;
  /** The engine events the parent's listeners want forwarded (null: all of them). */
  forward?: BatchEvent['type'][] | null;
  /** The run's rows are still being read: its items grow, each batch announced by 'items-added'. */
  filling?: boolean;
}

/** The workerData of a worker started ahead of its run: it loads its modules, then waits for 'init'. */
export interface WarmStart {
  warm: true;
}

export type ParentMessage =
  | { type: 'init'; init: WorkerInit }
  | { type: 'pause' }
  | { type: 'resume' }
  | { type: 'cancel' }
  /** A filling run's items were added (committed); `final`: the file is read, no more will come. */
  | { type: 'items-added'; final: boolean }
  /** The listeners changed: forward these engine events from now on (null: all). */
  | { type: 'forward'; types: BatchEvent['type'][] | null };

export type WorkerMessage =
  /** Events whose effects are committed, with the run's totals after that commit. */
  | {
      type: 'events';
      /** Only the types the parent asked for. */
      events: BatchEvent[];
      changed: number[];
      totals: RunTotals;
      concurrency: number;
      /** Sum and count of the latencies of the items finished in this batch (for the progress figure). */
      latencySum: number;
      latencyCount: number;
    }
  | { type: 'status'; status: RunStatus; totals: RunTotals }
  /** The session ended and its final state is committed. */
  | { type: 'ended'; status: RunStatus; error: string | null; totals: RunTotals }
  /** Something broke outside the batch (the store, the engine's start); the session is over. */
  | { type: 'fatal'; error: string; committed: boolean }
  /**
   * Sent every couple of seconds while the session runs: the parent stops a worker that goes silent.
   * `quietMs` announces one long statement ahead (setting aside a large run's rest), silent for up to that long.
   */
  | { type: 'alive'; quietMs?: number };
