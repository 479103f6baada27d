// A run's session on a worker thread: it opens its own connection, sends the run's pending items
// through the engine, and persists the engine's events in batched transactions, posting each batch to
// the parent once it is committed. The parent thread never writes per item and never waits on this one.
//
// A finished item is committed before anything else runs: the engine starts the next item right after
// it reports one finished, so a commit queued as a microtask then lands before the next request goes
// out, and a kill at any moment loses at most the calls in flight. The events of one task (often
// several answers) share that transaction; other events (starts, a multi-turn item's calls) wait at
// most for the end of the event loop's turn (setImmediate), and an item's end commits its calls with
// it, so an answer's call and its item's result are never split. A commit per answer writes more WAL
// than one per 50 ms (bench/durability.ts measures what that costs).
//
// What a session leaves behind, by how it ends:
// - completed: every item done or failed.
// - cancelled: items in flight go back to pending, never-started ones stay pending: resumable.
// - stopped-budget / stopped-error: items the batch never started are marked skipped (with the
//   reason); a resume (with a raised budget) makes them pending again and sends them.
// - the process died: the next start finds the run 'running' with a dead owner and marks it
//   interrupted; its running items go back to pending (see recoverInterrupted).
import { parentPort, workerData } from 'node:worker_threads';
import type { BatchEvent, ItemSkipReason, RunStatus } from '../../../shared/domain.ts';
import { formatUsd, usdToMicros } from '../engine/budget.ts';
import type { SpecBatchHandle } from '../engine/spec-batch.ts';
import { startRunBatch } from '../batch/session.ts';
import { checkpoint, holdReserve, openDatabase, type Db } from '../store/db.ts';
import { pendingItemSource, resetRunning, skipPending } from '../store/items.ts';
import { fillingItems, type FillingItems } from './filling-items.ts';
import { getRun, heartbeat, releaseRun, runTotalsOf, setRunStatus } from '../store/runs.ts';
import { processOwner } from '../process-owner.ts';
import { keyRedactor } from '../store/redact.ts';
import { createEventWriter } from '../store/writer.ts';
import { workerFault } from './fault-injection.ts';
import type { ParentMessage, WarmStart, WorkerInit, WorkerMessage } from './protocol.ts';
import { sessionCache } from './store-cache.ts';
import { cachedPart, remainingBudget } from './totals.ts';

const HEARTBEAT_MS = 2000;
const CHECKPOINT_MS = 10_000;
const REPORT_MS = 50;
/** The silence allowed per row set aside at a stop: ten times what it takes on an idle machine. */
const QUIET_MS_PER_ROW = 0.1;

// Started with its run, or ahead of it (the service's prewarm): then the run comes in an 'init' message.
const data = workerData as WorkerInit | WarmStart;
let init: WorkerInit | undefined = 'warm' in data ? undefined : data;
const port = parentPort!;
const post = (m: WorkerMessage): void => port.postMessage(m);

let db: Db | undefined;
let reserve: { release(): void } | undefined;
let handle: SpecBatchHandle | undefined;
let requested: ParentMessage['type'] | undefined; // a control message that came before the batch started
const pauseRequested = (): boolean => requested === 'pause';
let paused = false;
let cancelRequested = false;
/** A filling run's items (see filling-items.ts), and whether the last of them was announced before they existed. */
let filling: FillingItems | undefined;
let fillingDone = false;

/** The event types the parent forwards to its listeners (null: all). Nothing else is posted. */
let forwardTypes: Set<string> | null = null;

port.on('message', (m: ParentMessage) => {
  if (m.type === 'init') {
    if (!init) {
      init = m.init;
      begin(init);
    }
    return;
  }
  if (m.type === 'items-added') {
    if (m.final) fillingDone = true;
    filling?.added(m.final);
    return;
  }
  if (m.type === 'forward') {
    forwardTypes = m.types ? new Set(m.types) : null;
    return;
  }
  if (m.type === 'cancel') cancelRequested = true;
  if (!handle) {
    requested = m.type === 'resume' ? undefined : m.type;
    return;
  }
  if (m.type === 'pause') handle.pause();
  else if (m.type === 'resume') handle.resume();
  else handle.cancel();
});

async function main(init: WorkerInit): Promise<void> {
  if (init.forward !== undefined) forwardTypes = init.forward ? new Set(init.forward) : null;
  db = openDatabase(init.dbPath);
  reserve = holdReserve(init.dbPath);
  const conn = db;
  // A checkpoint syncs the WAL and the database file, on this thread, which also serves every call
  // in flight: on a busy disk one sync took up to a second and stalled all of them. A batch writes
  // about a page an item, so SQLite's default (every 1,000 pages) meant a checkpoint every few hundred
  // items; every 8,000 pages (a 32 MB WAL at most), besides the one every 10 s, is a few per run.
  conn.pragma('wal_autocheckpoint = 8000');
  const runId = init.runId;
  injectFault(conn, runId);
  const run = getRun(conn, runId);
  if (!run) throw new Error(`run ${runId} does not exist`);
  const owner = processOwner();
  if (run.owner !== owner) throw new Error(`run ${runId} is not claimed by this process (owner ${run.owner ?? 'none'})`);

  let activeSince = Date.now();
  const activeDelta = (): number => {
    const now = Date.now();
    const d = paused ? 0 : now - activeSince;
    activeSince = now;
    return d;
  };
  const totalsNow = () => {
    const t = runTotalsOf(conn, runId);
    return { ...t, ...cachedPart(run.agent, t.cachedTokens ?? 0) };
  };
  // Why the items the batch never started were not started: they are marked in one statement as the
  // session ends (see skipPending), not one event and one UPDATE each.
  let unstarted: ItemSkipReason | undefined;
  let pendingAtStart = 0;
  // A provider may quote the key in its error: the run's error never carries it, nor what the parent is told.
  const redact = keyRedactor(init.apiKey);
  const end = (status: RunStatus, reason: string | null): void => {
    const error = reason === null ? null : redact.text(reason);
    // Skipping the rest of a large run is the one long statement of a session (about 11 µs a row on
    // an idle machine): the parent hears from this thread just before it, with the silence to allow.
    post({ type: 'alive', quietMs: unstarted ? Math.round(pendingAtStart * QUIET_MS_PER_ROW) : 0 });
    conn.transaction(() => {
      // Items the budget stopped mid-way are running until here: pending first, then set aside with the rest.
      resetRunning(conn, runId);
      if (unstarted) skipPending(conn, runId, unstarted);
      releaseRun(conn, runId, status, error, activeDelta());
    })();
    post({ type: 'ended', status, error, totals: totalsNow() });
    reserve?.release();
    // The end is committed, so the parent goes on (a CLI exports the results) while this thread
    // syncs the run to the database file, which takes tens of milliseconds; the parent waits for
    // this thread to exit before it closes the database.
    checkpoint(conn);
    conn.close();
    db = undefined;
    process.exit(0);
  };

  if (init.filling) {
    filling = fillingItems(conn, runId);
    if (fillingDone) filling.added(true);
  }
  const items = filling ? filling.items : pendingItemSource(conn, runId);
  pendingAtStart = items.rows.length;
  const budget = remainingBudget(run);
  if (cancelRequested) return end('cancelled', null);
  if (items.rows.length === 0 && !filling?.items.more.open) return end('completed', null);
  if ((budget.maxCost !== undefined && budget.maxCost <= 0) || (budget.maxTokens !== undefined && budget.maxTokens <= 0)) {
    unstarted = 'budget';
    return end('stopped-budget', budgetMessage(run.options.maxCost, run.options.maxTokens));
  }

  const writer = createEventWriter(conn, runId, { apiKey: init.apiKey });
  // On unless the run says otherwise (a run made before the option has none: on).
  const cache = run.options.cache === false || init.noCache ? undefined : sessionCache(conn, runId);
  // flushMs: the older way, kept for comparison (bench/durability.ts): everything waits for a timer.
  const flushMs = init.flushMs;
  const flushEvents = init.flushEvents ?? 500;
  let buffer: BatchEvent[] = [];
  let timer: NodeJS.Timeout | undefined;
  let soon: NodeJS.Immediate | undefined;
  // Committed, not yet told to the parent: a message per commit cost as much as the commit, and the
  // parent shows progress at most ten times a second anyway.
  let unreported = { forward: [] as BatchEvent[], changed: [] as number[], latencySum: 0, latencyCount: 0 };
  let reportTimer: NodeJS.Timeout | undefined;
  let concurrency = 0;
  let failure: Error | undefined;

  const flush = (): void => {
    if (timer) {
      clearTimeout(timer);
      timer = undefined;
    }
    if (soon) {
      clearImmediate(soon);
      soon = undefined;
    }
    if ((buffer.length === 0 && !cache?.pending) || failure) return;
    const events = buffer;
    buffer = [];
    let changed: number[];
    let status: RunStatus | undefined;
    // A pause of the batch's own (the endpoint is not answering) says why in the run's error.
    let notice: string | null = null;
    try {
      changed = conn.transaction(() => {
        const c = writer.apply(events);
        cache?.writePending();
        for (const e of events) {
          if (e.type === 'paused') [status, notice] = ['paused', e.message ?? null];
          else if (e.type === 'resumed') [status, notice] = ['running', null];
        }
        if (status) setRunStatus(conn, runId, status, notice);
        return c;
      }).immediate();
    } catch (err) {
      // The store refused a write (disk full, read-only, locked for too long): stop sending, since
      // results could no longer be kept. What was committed before stays; the rest is resent later.
      const why = err instanceof Error ? err.message : String(err);
      failure = new Error(
        `the run's results could not be saved: ${why}. What was saved before is kept; once the database can be written ` +
          `again (free disk space, make the file writable), resume the run to send the rest.`,
        { cause: err },
      );
      handle?.cancel();
      return;
    }
    // Only what the parent's listeners asked for crosses the thread: a copy of every answer and its
    // transcript, made and read for nobody, cost as much CPU as storing it.
    const wanted = forwardTypes;
    for (const e of events) {
      if (e.type === 'progress') concurrency = e.concurrency;
      else if (e.type === 'item-failed' && (wanted === null || wanted.has(e.type))) unreported.forward.push({ ...e, error: redact.text(e.error) });
      else if (e.type !== 'finished' && (wanted === null || wanted.has(e.type))) unreported.forward.push(e);
      if (e.type === 'item-done' || e.type === 'item-failed') {
        unreported.latencySum += e.latencyMs;
        unreported.latencyCount++;
      }
    }
    for (const i of changed) unreported.changed.push(i);
    if (status || flushMs !== undefined) {
      report();
      if (status) post({ type: 'status', status, totals: totalsNow() });
    } else reportTimer ??= setTimeout(report, REPORT_MS);
  };

  /** Tells the parent what was committed since it was last told, with the run's totals now. */
  const report = (): void => {
    if (reportTimer) {
      clearTimeout(reportTimer);
      reportTimer = undefined;
    }
    const { forward, changed, latencySum, latencyCount } = unreported;
    if (forward.length === 0 && changed.length === 0 && latencyCount === 0) return;
    unreported = { forward: [], changed: [], latencySum: 0, latencyCount: 0 };
    const totals = totalsNow();
    const wanted = forwardTypes;
    // The engine's progress counts this session only; the parent gets the run's, from the store.
    if (wanted === null || wanted.has('progress')) {
      forward.push({
        type: 'progress',
        total: totals.items,
        done: totals.done,
        failed: totals.failed,
        skipped: totals.skipped,
        running: totals.running,
        promptTokens: totals.promptTokens,
        completionTokens: totals.completionTokens,
        costUsd: totals.costUsd,
        concurrency,
      });
    }
    post({ type: 'events', events: forward, changed, totals, concurrency, latencySum, latencyCount });
  };

  // When a batch stops (cancel, or the first failure under onError 'stop'), the engine aborts the
  // items in flight and reports them failed; and an item that hits the budget between two turns
  // fails too. None of these failed on its own: they go back to be sent again (pending after a
  // cancel, skipped for a budget or error stop, which a resume makes pending), so a resume reruns
  // them. Their calls are already in the ledger.
  let sawFailure = false;
  const handBack = (e: Extract<BatchEvent, { type: 'item-failed' }>): BatchEvent => {
    const aborted = /^cancell?ed(:|$)/i.test(e.error);
    if (aborted && cancelRequested) return { type: 'item-skipped', index: e.index, reason: 'cancelled' };
    if (aborted && run.options.onError === 'stop' && sawFailure) return { type: 'item-skipped', index: e.index, reason: 'error' };
    if (/budget of .* was reached/.test(e.error)) return { type: 'item-skipped', index: e.index, reason: 'budget' };
    sawFailure = true;
    return e;
  };

  const onEvent = (event: BatchEvent): void => {
    if (event.type === 'item-skipped') {
      // The engine skips only items it never started (one event each, all at once as it stops).
      unstarted = event.reason;
      return;
    }
    const e = event.type === 'item-failed' ? handBack(event) : event;
    if (e.type === 'paused') paused = true;
    else if (e.type === 'resumed') {
      paused = false;
      activeSince = Date.now();
    }
    buffer.push(e);
    if (flushMs !== undefined) {
      if (buffer.length >= flushEvents) soon ??= setImmediate(flush);
      else timer ??= setTimeout(flush, flushMs);
      return;
    }
    // One commit a turn of the event loop, before the engine starts the items that replace the ones
    // that ended (startOnNextTurn): a kill costs at most the calls in flight. An item's end comes after
    // its calls, so they commit together: a crash never keeps the cost of an answer and loses the answer.
    soon ??= setImmediate(flush);
  };

  const beat = setInterval(() => {
    post({ type: 'alive' });
    try {
      heartbeat(conn, runId, activeDelta());
    } catch {
      // A missed beat only matters if many are missed; the next one retries.
    }
  }, HEARTBEAT_MS);
  const checkpoints = setInterval(() => checkpoint(conn), CHECKPOINT_MS);

  try {
    const spec = init.baseURL ? { ...run.agent, baseURL: init.baseURL } : run.agent;
    const options = { ...run.options, ...budget };
    // Batch mode goes through the provider's Batch API (batch/session.ts); live mode is the spec batch itself.
    // The app's simulated endpoint moves to a new port each launch: the cache knows it by name.
    const cacheEndpoint = run.endpoint?.kind === 'simulated' ? 'simulated' : undefined;
    handle = startRunBatch({ spec, items, options, apiKey: init.apiKey, cacheEndpoint, onEvent, startOnNextTurn: flushMs === undefined, mode: run.options.mode, db: conn, runId, cache });
    if (cancelRequested) handle.cancel();
    else if (pauseRequested()) handle.pause();
    const finished = await handle.done;
    flush();
    report();
    if (failure) throw failure;
    let status: RunStatus = finished.status;
    let error: string | null = finished.error ?? null;
    // The engine speaks of what this session had left; the run's own budget is what its owner set.
    if (status === 'stopped-budget') error = budgetMessage(run.options.maxCost, run.options.maxTokens);
    const left = getRun(conn, runId)!.counts;
    if (status === 'completed' && left.pending + left.running + left.skipped > 0) {
      status = 'interrupted';
      error = `the batch ended with ${left.pending + left.running + left.skipped} items unfinished; resume to run them`;
    }
    end(status, error);
  } finally {
    clearInterval(beat);
    clearInterval(checkpoints);
    if (timer) clearTimeout(timer);
    if (soon) clearImmediate(soon);
    if (reportTimer) clearTimeout(reportTimer);
  }
}

/** A test's injected fault (see fault-injection.ts); nothing happens unless one is asked for. */
function injectFault(conn: Db, runId: number): void {
  const fault = workerFault();
  if (!fault || fault.kind === 'terminate') return;
  const inject = (): void => {
    if (fault.kind === 'exit') process.exit(1);
    if (fault.kind === 'throw') throw new Error('injected fault: the run worker threw');
    if (fault.kind === 'hang') for (;;); // alive, but never returns to its event loop
    if (!conn.open) return;
    if (fault.kind === 'full') conn.pragma(`max_page_count = ${conn.pragma('page_count', { simple: true }) as number}`);
    else conn.pragma('query_only = 1');
  };
  const { afterDone } = fault;
  if (afterDone === undefined) {
    setTimeout(inject, fault.afterMs).unref();
    return;
  }
  const poll = setInterval(() => {
    if (!conn.open) return clearInterval(poll);
    if (runTotalsOf(conn, runId).done < afterDone) return;
    clearInterval(poll);
    inject();
  }, 5);
  poll.unref();
}

function budgetMessage(maxCost: number | undefined, maxTokens: number | undefined): string {
  const parts: string[] = [];
  if (maxCost !== undefined) parts.push(`max cost ${formatUsd(usdToMicros(maxCost))}`);
  if (maxTokens !== undefined) parts.push(`max tokens ${maxTokens}`);
  return `budget reached (${parts.join(', ')}); resume with a higher budget to run the rest`;
}

function begin(init: WorkerInit): void {
  main(init)
    .catch((err: unknown) => {
      const message = keyRedactor(init.apiKey).text(err instanceof Error ? err.message : String(err));
      let committed = false;
      const conn = db;
      const endInterrupted = (): void =>
        conn!.transaction(() => {
          resetRunning(conn!, init.runId);
          releaseRun(conn!, init.runId, 'interrupted', message, 0);
        })();
      if (conn) {
        try {
          endInterrupted();
          committed = true;
        } catch {
          // On a full disk, the reserve's room is enough for this one write.
          reserve?.release();
          try {
            endInterrupted();
            committed = true;
          } catch {
            // The parent will try.
          }
        }
      }
      reserve?.release();
      post({ type: 'fatal', error: message, committed });
    })
    .finally(() => {
      try {
        db?.close();
      } catch {
        // closing twice or a busy close: nothing left to save
      }
    });
}

if (init) begin(init);
