// Faults a test injects into a run's session, so that crash and storage tests can drive the real
// service, worker and CLI. Read from ROWRUNNER_TEST_WORKER_FAULT as "kind:ms", or "kind:done=N" for
// once N of the run's items are done (a moment that does not depend on how loaded the machine is; not
// for terminate, which the parent injects); unset in normal use, when none of this runs.
// - exit:      the worker calls process.exit(1), ms after it starts;
// - throw:     the worker throws an uncaught error, ms after it starts;
// - hang:      the worker loops forever, ms after it starts: its thread lives but does nothing else;
// - terminate: the parent terminates the worker thread, ms after starting it (this can land in the
//              middle of a transaction, as a crash would);
// - full:      from ms on, the worker's connection cannot grow the database file (SQLite's
//              max_page_count, which fails writes with SQLITE_FULL, the error a full disk gives);
// - readonly:  from ms on, the worker's connection cannot write (SQLite's query_only, which fails
//              writes with SQLITE_READONLY, the error a read-only file gives).
export const WORKER_FAULT_ENV = 'ROWRUNNER_TEST_WORKER_FAULT';

export type WorkerFaultKind = 'exit' | 'throw' | 'hang' | 'terminate' | 'full' | 'readonly';

export interface WorkerFault {
  kind: WorkerFaultKind;
  afterMs: number;
  /** Instead of afterMs: once this many of the run's items are done. */
  afterDone?: number;
}

const KINDS: readonly string[] = ['exit', 'throw', 'hang', 'terminate', 'full', 'readonly'];

/** The fault the environment asks for, if any (a malformed value is ignored). */
export function workerFault(env: Record<string, string | undefined> = process.env): WorkerFault | undefined {
  const raw = env[WORKER_FAULT_ENV];
  if (!raw) return undefined;
  const m = /^([a-z]+):(?:(\d+)|done=(\d+))$/.exec(raw.trim());
  if (!m || !KINDS.includes(m[1])) return undefined;
  const kind = m[1] as WorkerFaultKind;
  return m[3] === undefined ? { kind, afterMs: Number(m[2]) } : { kind, afterMs: 0, afterDone: Number(m[3]) };
}
