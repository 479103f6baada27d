// Running rows again in the same run: an item's finished attempt (status, output or error, transcript)
// is set aside in earlier_attempts and the item becomes pending, so the next session sends it; and the
// failed items of one kind, told apart by the last call of their latest attempt in the ledger.
import type { TranscriptMessage } from '../../../shared/domain.ts';
import type { EarlierAttempt, FailureKind, FailureCounts } from '../../../shared/attempts.ts';
import type { Db } from './db.ts';
import { parseJson, stmt } from './sql.ts';

/** The HTTP status of the last call of the item's latest attempt (NULL when it made none). */
const LAST_STATUS = `(SELECT c.status FROM calls c WHERE c.run_id = i.run_id AND c.row_index = i.row_index
  AND c.attempt = i.attempts ORDER BY c.id DESC LIMIT 1)`;

/**
 * A failed item's kind: 'infra' when its last call got no answer it could use (a dropped connection or
 * a timeout, 408, 409, 429, 5xx: what the client itself retries); 'invalid' when the endpoint answered
 * and the answer failed (bad tool arguments, the turn limit, an output that did not map); 'refused'
 * when the endpoint refused the request (400, 401, 404…), which neither a retry nor the model fixes.
 */
const KIND_OF = `CASE
  WHEN ${LAST_STATUS} IS NULL OR ${LAST_STATUS} BETWEEN 200 AND 299 THEN 'invalid'
  WHEN ${LAST_STATUS} IN (0, 408, 409, 429) OR ${LAST_STATUS} >= 500 THEN 'infra'
  ELSE 'refused' END`;

/** How many of a run's failed items are of each kind. */
export function failureCounts(db: Db, runId: number): FailureCounts {
  const counts: FailureCounts = { infra: 0, invalid: 0, refused: 0 };
  const rows = stmt<[number], { kind: FailureKind; n: number }>(
    db,
    `SELECT ${KIND_OF} AS kind, COUNT(*) AS n FROM items i WHERE i.run_id = ? AND i.status = 'failed' GROUP BY kind`,
  ).all(runId);
  for (const r of rows) counts[r.kind] = r.n;
  return counts;
}

/** The failed items of a run, of one kind or all, in row order. */
export function failedIndexes(db: Db, runId: number, kind?: FailureKind): number[] {
  const where = kind ? `AND ${KIND_OF} = ?` : '';
  const params: unknown[] = kind ? [runId, kind] : [runId];
  return stmt<unknown[], number>(db, `SELECT i.row_index FROM items i WHERE i.run_id = ? AND i.status = 'failed' ${where} ORDER BY i.row_index`)
    .pluck()
    .all(...params);
}

/**
 * The given items become pending; a finished attempt of each is set aside first, with its transcript.
 * Items in flight are left alone. Returns how many became pending. Call inside a transaction.
 */
export function setAsideAndReset(db: Db, runId: number, indexes: Iterable<number>): number {
  const keep = stmt(
    db,
    `INSERT INTO earlier_attempts (run_id, row_index, attempt, status, output, error, messages, finished_at)
     SELECT i.run_id, i.row_index, i.attempts, i.status, i.output, i.error, COALESCE(t.messages, '[]'), i.finished_at
     FROM items i LEFT JOIN transcripts t ON t.run_id = i.run_id AND t.row_index = i.row_index
     WHERE i.run_id = ? AND i.row_index = ? AND i.status IN ('done', 'failed') AND i.attempts > 0
     ON CONFLICT DO NOTHING`,
  );
  const dropTranscript = stmt(db, `DELETE FROM transcripts WHERE run_id = ? AND row_index = ?`);
  const reset = stmt(
    db,
    `UPDATE items SET status = 'pending', output = NULL, error = NULL, skip_reason = NULL
     WHERE run_id = ? AND row_index = ? AND status IN ('done', 'failed', 'skipped')`,
  );
  let n = 0;
  for (const index of indexes) {
    keep.run(runId, index);
    if (reset.run(runId, index).changes > 0) {
      dropTranscript.run(runId, index);
      n++;
    }
  }
  return n;
}

/** An item's earlier attempts, oldest first. */
export function earlierAttempts(db: Db, runId: number, index: number): EarlierAttempt[] {
  const rows = stmt<
    [number, number],
    { attempt: number; status: EarlierAttempt['status']; output: string | null; error: string | null; messages: string; finished_at: number | null }
  >(
    db,
    `SELECT attempt, status, output, error, messages, finished_at FROM earlier_attempts
     WHERE run_id = ? AND row_index = ? ORDER BY attempt`,
  ).all(runId, index);
  return rows.map((r) => ({
    attempt: r.attempt,
    status: r.status,
    output: parseJson<Record<string, unknown> | null>(r.output, null),
    error: r.error,
    transcript: parseJson<TranscriptMessage[]>(r.messages, []),
    finishedAt: r.finished_at === null ? null : new Date(r.finished_at).toISOString(),
  }));
}
