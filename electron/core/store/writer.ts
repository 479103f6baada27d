// Applies a running batch's events to the store, many events per transaction. An item's result is
// written together with its status, and every finished LLM call goes into the ledger together with
// the item's and the run's running sums, so the three always agree and a call is counted once.
//
// The usual shapes of an item's events within one batch are written in one statement: started, its
// calls and its result (at low latency most items start and finish between two flushes) become one
// UPDATE of the item, one ledger row per call and its transcript, instead of a statement per event;
// started and calls, or calls and the result, likewise. Anything else (a skip, a second start, an
// item the guard refuses) goes through the statements one event at a time, with the same effect.
//
// The run's key never reaches the file: it is replaced in every error, output and transcript written.
import type { BatchEvent } from '../../../shared/domain.ts';
import type { Db } from './db.ts';
import { keyRedactor } from './redact.ts';
import { stmt } from './sql.ts';

export interface EventWriter {
  /** Applies the events in one transaction; returns the row indexes whose item changed. */
  apply(events: readonly BatchEvent[], now?: number): number[];
}

export interface EventWriterOptions {
  /** The run's API key: replaced by a mark wherever a provider echoed it. */
  apiKey?: string;
}

export function createEventWriter(db: Db, runId: number, options: EventWriterOptions = {}): EventWriter {
  const redact = keyRedactor(options.apiKey);
  type End = Extract<BatchEvent, { type: 'item-done' | 'item-failed' }>;
  const outputText = (e: Extract<BatchEvent, { type: 'item-done' }>): string => redact.json(JSON.stringify(e.output));
  const transcriptText = (e: End): string => redact.json(JSON.stringify(e.transcript));
  const started = stmt(
    db,
    `UPDATE items SET status = 'running', attempts = attempts + 1, skip_reason = NULL
     WHERE run_id = ? AND row_index = ? AND status IN ('pending', 'skipped', 'running')`,
  );
  const call = stmt(
    db,
    `INSERT INTO calls (run_id, row_index, attempt, prompt_tokens, completion_tokens, cost_usd, cached_tokens, latency_ms, status, created_at,
       from_cache, saved_tokens, saved_usd)
     SELECT run_id, row_index, attempts, ?, ?, ?, ?, ?, ?, ?, ?, ?, ? FROM items WHERE run_id = ? AND row_index = ?`,
  );
  const itemSums = stmt(
    db,
    `UPDATE items SET prompt_tokens = prompt_tokens + ?, completion_tokens = completion_tokens + ?,
       cost_usd = cost_usd + ?, cached_tokens = cached_tokens + ? WHERE run_id = ? AND row_index = ?`,
  );
  const runSums = stmt(
    db,
    `UPDATE runs SET prompt_tokens = prompt_tokens + ?, completion_tokens = completion_tokens + ?,
       cost_usd = cost_usd + ?, cached_tokens = cached_tokens + ?, call_count = call_count + ?,
       cached_calls = cached_calls + ?, saved_usd = saved_usd + ? WHERE id = ?`,
  );
  const done = stmt(
    db,
    `UPDATE items SET status = 'done', output = ?, error = NULL, turns = ?, latency_ms = ?, finished_at = ?
     WHERE run_id = ? AND row_index = ? AND status IN ('pending', 'running')`,
  );
  const failed = stmt(
    db,
    `UPDATE items SET status = 'failed', output = NULL, error = ?, turns = ?, latency_ms = ?, finished_at = ?
     WHERE run_id = ? AND row_index = ? AND status IN ('pending', 'running')`,
  );
  const transcript = stmt(
    db,
    `INSERT INTO transcripts (run_id, row_index, messages) VALUES (?, ?, ?)
     ON CONFLICT (run_id, row_index) DO UPDATE SET messages = excluded.messages`,
  );
  // A cancelled item goes back to pending (it may be sent again); one skipped by a budget or an
  // error stop is marked skipped with the reason, and a resume makes it pending again.
  const skipped = stmt(
    db,
    `UPDATE items SET status = CASE WHEN ? = 'cancelled' THEN 'pending' ELSE 'skipped' END,
       skip_reason = CASE WHEN ? = 'cancelled' THEN NULL ELSE ? END
     WHERE run_id = ? AND row_index = ? AND status IN ('pending', 'running')`,
  );

  // One UPDATE for an item's events of this batch: its start (attempts + 1), the sums of its calls,
  // and its result. RETURNING gives the attempt number its calls are filed under.
  const sums = `prompt_tokens = prompt_tokens + ?, completion_tokens = completion_tokens + ?, cost_usd = cost_usd + ?, cached_tokens = cached_tokens + ?`;
  const startSet = `attempts = attempts + 1, skip_reason = NULL`;
  const doneSet = `status = 'done', output = ?, error = NULL, turns = ?, latency_ms = ?, finished_at = ?`;
  const failedSet = `status = 'failed', output = NULL, error = ?, turns = ?, latency_ms = ?, finished_at = ?`;
  const whereStarting = `WHERE run_id = ? AND row_index = ? AND status IN ('pending', 'skipped', 'running') RETURNING attempts`;
  const whereRunning = `WHERE run_id = ? AND row_index = ? AND status IN ('pending', 'running') RETURNING attempts`;
  type Returning = { get(...params: unknown[]): { attempts: number } | undefined };
  const q = (sql: string) => stmt(db, sql) as unknown as Returning;
  const startDone = q(`UPDATE items SET ${startSet}, ${sums}, ${doneSet} ${whereStarting}`);
  const startFailed = q(`UPDATE items SET ${startSet}, ${sums}, ${failedSet} ${whereStarting}`);
  const startOnly = q(`UPDATE items SET status = 'running', ${startSet}, ${sums} ${whereStarting}`);
  const endDone = q(`UPDATE items SET ${sums}, ${doneSet} ${whereRunning}`);
  const endFailed = q(`UPDATE items SET ${sums}, ${failedSet} ${whereRunning}`);
  const callRow = stmt(
    db,
    `INSERT INTO calls (run_id, row_index, attempt, prompt_tokens, completion_tokens, cost_usd, cached_tokens, latency_ms, status, created_at,
       from_cache, saved_tokens, saved_usd)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );

  type Call = Extract<BatchEvent, { type: 'llm-call' }>;
  /** A call's cache columns: from_cache, saved_tokens, saved_usd. */
  const cacheCols = (e: Call): [number, number, number] => (e.fromCache ? [1, e.savedTokens ?? 0, e.savedUsd ?? 0] : [0, 0, 0]);
  /** An item's events in this batch, when they have one of the shapes written in one statement. */
  interface Group {
    index: number;
    started: boolean;
    calls: Call[];
    end: End | null;
    /** Not one of those shapes: written event by event. */
    plain: boolean;
    /** Whether the item's row took the events (for the changed list). */
    applied: boolean;
    events: BatchEvent[];
  }

  const tx = db.transaction((events: readonly BatchEvent[], now: number): number[] => {
    const groups = new Map<number, Group>();
    for (const e of events) {
      if (e.type !== 'item-started' && e.type !== 'llm-call' && e.type !== 'item-done' && e.type !== 'item-failed' && e.type !== 'item-skipped') continue;
      let g = groups.get(e.index);
      if (!g) {
        g = { index: e.index, started: false, calls: [], end: null, plain: false, applied: false, events: [] };
        groups.set(e.index, g);
      }
      g.events.push(e);
      if (g.plain) continue;
      if (e.type === 'item-started') {
        if (g.started || g.calls.length > 0 || g.end) g.plain = true;
        else g.started = true;
      } else if (e.type === 'llm-call') {
        if (g.end) g.plain = true;
        else g.calls.push(e);
      } else if (e.type === 'item-skipped') g.plain = true;
      else if (g.end) g.plain = true;
      else g.end = e;
    }

    let p = 0;
    let c = 0;
    let cost = 0;
    let k = 0;
    let calls = 0;
    let cachedCalls = 0;
    let saved = 0;
    const countCached = (e: Call): void => {
      if (!e.fromCache) return;
      cachedCalls++;
      saved += e.savedUsd ?? 0;
    };
    const plainChanged = new Map<BatchEvent, boolean>();
    for (const g of groups.values()) {
      if (!g.plain && (g.started || g.end)) {
        let gp = 0;
        let gc = 0;
        let gcost = 0;
        let gk = 0;
        for (const e of g.calls) {
          gp += e.promptTokens;
          gc += e.completionTokens;
          gcost += e.costUsd;
          gk += e.cachedTokens ?? 0;
        }
        const end = g.end;
        let row: { attempts: number } | undefined;
        if (end === null) row = startOnly.get(gp, gc, gcost, gk, runId, g.index);
        else {
          const ended = end.type === 'item-done' ? outputText(end) : redact.text(end.error);
          const latency = Math.round(end.latencyMs);
          const update = end.type === 'item-done' ? (g.started ? startDone : endDone) : g.started ? startFailed : endFailed;
          row = update.get(gp, gc, gcost, gk, ended, end.turns, latency, now, runId, g.index);
        }
        if (row) {
          for (const e of g.calls) {
            callRow.run(runId, g.index, row.attempts, e.promptTokens, e.completionTokens, e.costUsd, e.cachedTokens ?? 0, Math.round(e.latencyMs), e.status, now, ...cacheCols(e));
            countCached(e);
          }
          if (end) transcript.run(runId, g.index, transcriptText(end));
          p += gp;
          c += gc;
          cost += gcost;
          k += gk;
          calls += g.calls.length;
          g.applied = true;
          continue;
        }
        // The guard refused (the item is not where its events expect it): event by event below.
      }
      for (const e of g.events) {
        switch (e.type) {
          case 'item-started':
            started.run(runId, e.index);
            break;
          case 'llm-call': {
            const inserted = call.run(e.promptTokens, e.completionTokens, e.costUsd, e.cachedTokens ?? 0, Math.round(e.latencyMs), e.status, now, ...cacheCols(e), runId, e.index);
            if (inserted.changes === 0) break; // not an item of this run: nothing to count it against
            countCached(e);
            itemSums.run(e.promptTokens, e.completionTokens, e.costUsd, e.cachedTokens ?? 0, runId, e.index);
            p += e.promptTokens;
            c += e.completionTokens;
            cost += e.costUsd;
            k += e.cachedTokens ?? 0;
            calls++;
            break;
          }
          case 'item-done':
            if (done.run(outputText(e), e.turns, Math.round(e.latencyMs), now, runId, e.index).changes > 0) {
              transcript.run(runId, e.index, transcriptText(e));
              plainChanged.set(e, true);
            }
            break;
          case 'item-failed':
            if (failed.run(redact.text(e.error), e.turns, Math.round(e.latencyMs), now, runId, e.index).changes > 0) {
              transcript.run(runId, e.index, transcriptText(e));
              plainChanged.set(e, true);
            }
            break;
          case 'item-skipped':
            if (skipped.run(e.reason, e.reason, e.reason, runId, e.index).changes > 0) plainChanged.set(e, true);
            break;
          default:
            break;
        }
      }
    }
    if (calls > 0) runSums.run(p, c, cost, k, calls, cachedCalls, saved, runId);

    // Changed rows in event order: every start, and each result or skip that took.
    const changed: number[] = [];
    for (const e of events) {
      if (e.type === 'item-started') changed.push(e.index);
      else if (e.type === 'item-done' || e.type === 'item-failed' || e.type === 'item-skipped') {
        const g = groups.get(e.index)!;
        if (g.applied ? e === g.end : plainChanged.has(e)) changed.push(e.index);
      }
    }
    return changed;
  });

  return {
    apply(events, now = Date.now()) {
      if (events.length === 0) return [];
      return tx.immediate(events, now);
    },
  };
}
