// Applies a running batch's events to the store, many events per transaction. An item's result is
// written together with its status, and every finished LLM call goes into the ledger together with
// the item's and the run's running sums, so the three always agree and a call is counted once.
import type { BatchEvent } from '../../../shared/domain.ts';
import type { Db } from './db.ts';
import { stmt } from './sql.ts';

export interface EventWriter {
  /** Applies the events in one transaction; returns the row indexes whose item changed. */
  apply(events: readonly BatchEvent[], now?: number): number[];
}

export function createEventWriter(db: Db, runId: number): EventWriter {
  const started = stmt(
    db,
    `UPDATE items SET status = 'running', attempts = attempts + 1, skip_reason = NULL
     WHERE run_id = ? AND row_index = ? AND status IN ('pending', 'skipped', 'running')`,
  );
  const call = stmt(
    db,
    `INSERT INTO calls (run_id, row_index, attempt, prompt_tokens, completion_tokens, cost_usd, latency_ms, status, created_at)
     SELECT run_id, row_index, attempts, ?, ?, ?, ?, ?, ? FROM items WHERE run_id = ? AND row_index = ?`,
  );
  const itemSums = stmt(
    db,
    `UPDATE items SET prompt_tokens = prompt_tokens + ?, completion_tokens = completion_tokens + ?,
       cost_usd = cost_usd + ? WHERE run_id = ? AND row_index = ?`,
  );
  const runSums = stmt(
    db,
    `UPDATE runs SET prompt_tokens = prompt_tokens + ?, completion_tokens = completion_tokens + ?,
       cost_usd = cost_usd + ?, call_count = call_count + ? WHERE id = ?`,
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

  const tx = db.transaction((events: readonly BatchEvent[], now: number): number[] => {
    const changed: number[] = [];
    let p = 0;
    let c = 0;
    let cost = 0;
    let calls = 0;
    for (const e of events) {
      switch (e.type) {
        case 'item-started':
          started.run(runId, e.index);
          changed.push(e.index);
          break;
        case 'llm-call': {
          const inserted = call.run(e.promptTokens, e.completionTokens, e.costUsd, Math.round(e.latencyMs), e.status, now, runId, e.index);
          if (inserted.changes === 0) break; // not an item of this run: nothing to count it against
          itemSums.run(e.promptTokens, e.completionTokens, e.costUsd, runId, e.index);
          p += e.promptTokens;
          c += e.completionTokens;
          cost += e.costUsd;
          calls++;
          break;
        }
        case 'item-done':
          if (done.run(JSON.stringify(e.output), e.turns, Math.round(e.latencyMs), now, runId, e.index).changes > 0) {
            transcript.run(runId, e.index, JSON.stringify(e.transcript));
            changed.push(e.index);
          }
          break;
        case 'item-failed':
          if (failed.run(e.error, e.turns, Math.round(e.latencyMs), now, runId, e.index).changes > 0) {
            transcript.run(runId, e.index, JSON.stringify(e.transcript));
            changed.push(e.index);
          }
          break;
        case 'item-skipped':
          if (skipped.run(e.reason, e.reason, e.reason, runId, e.index).changes > 0) changed.push(e.index);
          break;
        default:
          break; // progress, paused, resumed, finished: no item changes
      }
    }
    if (calls > 0) runSums.run(p, c, cost, calls, runId);
    return changed;
  });

  return {
    apply(events, now = Date.now()) {
      if (events.length === 0) return [];
      return tx.immediate(events, now);
    },
  };
}
