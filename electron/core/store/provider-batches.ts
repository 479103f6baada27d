// The provider's batches a run has in flight, and what became of each request they carry
// (migration 0009). Written at each step of a batch's life, so a process killed at any point
// resumes where it was: an uploaded file is never uploaded again, a created batch is polled again.
import type { Db } from './db.ts';
import { stmt } from './sql.ts';

export type RequestState = 'sent' | 'answered' | 'failed' | 'unfinished';

export interface ProviderBatch {
  id: number;
  runId: number;
  inputFileId: string;
  /** Null between the upload and the batch's creation. */
  batchId: string | null;
  /** 'uploaded' before creation, then the provider's status. */
  status: string;
  total: number;
  completed: number;
  failed: number;
  collected: boolean;
  createdAt: number;
  updatedAt: number;
}

export interface BatchedRequest {
  cacheKey: string;
  customId: string;
  batchRow: number;
  state: RequestState;
  /** How many batches have carried it. */
  sends: number;
  error: string | null;
  /** Its answer's cost is in the run's ledger: an item replaying it later pays nothing. */
  counted: boolean;
}

interface BatchRow {
  id: number;
  run_id: number;
  input_file_id: string;
  batch_id: string | null;
  status: string;
  total: number;
  completed: number;
  failed: number;
  collected: number;
  created_at: number;
  updated_at: number;
}

interface RequestRow {
  cache_key: string;
  custom_id: string;
  batch_row: number;
  state: RequestState;
  sends: number;
  error: string | null;
  counted: number;
}

function toBatch(r: BatchRow): ProviderBatch {
  return {
    id: r.id,
    runId: r.run_id,
    inputFileId: r.input_file_id,
    batchId: r.batch_id,
    status: r.status,
    total: r.total,
    completed: r.completed,
    failed: r.failed,
    collected: r.collected === 1,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

function toRequest(r: RequestRow): BatchedRequest {
  return { cacheKey: r.cache_key, customId: r.custom_id, batchRow: r.batch_row, state: r.state, sends: r.sends, error: r.error, counted: r.counted === 1 };
}

/**
 * Records an uploaded input file and the requests in it (each now 'sent', its send counted), in one
 * transaction. Returns the batch's row id.
 */
export function recordUpload(db: Db, runId: number, inputFileId: string, requests: readonly { customId: string; cacheKey: string }[], now = Date.now()): number {
  return db.transaction(() => {
    const id = Number(
      stmt(db, `INSERT INTO provider_batches (run_id, input_file_id, status, total, created_at, updated_at) VALUES (?, ?, 'uploaded', ?, ?, ?)`).run(
        runId,
        inputFileId,
        requests.length,
        now,
        now,
      ).lastInsertRowid,
    );
    const put = stmt(
      db,
      `INSERT INTO provider_batch_requests (run_id, cache_key, custom_id, batch_row, state, sends) VALUES (?, ?, ?, ?, 'sent', 1)
       ON CONFLICT(run_id, cache_key) DO UPDATE SET custom_id = excluded.custom_id, batch_row = excluded.batch_row, state = 'sent', sends = sends + 1, error = NULL`,
    );
    for (const r of requests) put.run(runId, r.cacheKey, r.customId, id);
    return id;
  })();
}

/** The batch made from an uploaded file. */
export function recordBatchCreated(db: Db, row: number, batchId: string, status: string, now = Date.now()): void {
  stmt(db, `UPDATE provider_batches SET batch_id = ?, status = ?, updated_at = ? WHERE id = ?`).run(batchId, status, now, row);
}

/** The provider's latest word on a batch. */
export function recordBatchStatus(db: Db, row: number, s: { status: string; total: number; completed: number; failed: number }, now = Date.now()): void {
  stmt(db, `UPDATE provider_batches SET status = ?, total = ?, completed = ?, failed = ?, updated_at = ? WHERE id = ?`).run(s.status, s.total, s.completed, s.failed, now, row);
}

/**
 * What became of each request of a finished batch, and the batch marked collected. The caller runs
 * this in the same transaction as the answers' cache writes, so a crash keeps both or neither.
 * `uncounted`: the request's send does not count (its batch was cancelled, not run out of time).
 */
export function recordOutcomes(
  db: Db,
  row: number,
  outcomes: Iterable<{ customId: string; state: Exclude<RequestState, 'sent'>; error?: string; uncounted?: boolean }>,
  now = Date.now(),
): void {
  const set = stmt(db, `UPDATE provider_batch_requests SET state = ?, error = ?, sends = sends - ? WHERE batch_row = ? AND custom_id = ?`);
  for (const o of outcomes) set.run(o.state, o.error ?? null, o.uncounted ? 1 : 0, row, o.customId);
  stmt(db, `UPDATE provider_batches SET collected = 1, updated_at = ? WHERE id = ?`).run(now, row);
}

/** A run's batches whose results are not yet collected, oldest first. */
export function openBatches(db: Db, runId: number): ProviderBatch[] {
  return stmt<[number], BatchRow>(db, `SELECT * FROM provider_batches WHERE run_id = ? AND collected = 0 ORDER BY id`).all(runId).map(toBatch);
}

/** All of a run's batches, oldest first. */
export function runBatches(db: Db, runId: number): ProviderBatch[] {
  return stmt<[number], BatchRow>(db, `SELECT * FROM provider_batches WHERE run_id = ? ORDER BY id`).all(runId).map(toBatch);
}

/** The custom ids and cache keys a batch carries. */
export function batchRequests(db: Db, row: number): BatchedRequest[] {
  return stmt<[number], RequestRow>(db, `SELECT cache_key, custom_id, batch_row, state, sends, error, counted FROM provider_batch_requests WHERE batch_row = ?`).all(row).map(toRequest);
}

/** What became of a run's request, if a batch ever carried it. */
export function batchedRequest(db: Db, runId: number, cacheKey: string): BatchedRequest | undefined {
  const r = stmt<[number, string], RequestRow>(db, `SELECT cache_key, custom_id, batch_row, state, sends, error, counted FROM provider_batch_requests WHERE run_id = ? AND cache_key = ?`).get(
    runId,
    cacheKey,
  );
  return r ? toRequest(r) : undefined;
}

/** Marks a request's answer as paid for in the run's ledger; false when it already was. */
export function markCounted(db: Db, runId: number, cacheKey: string): boolean {
  return stmt(db, `UPDATE provider_batch_requests SET counted = 1 WHERE run_id = ? AND cache_key = ? AND counted = 0`).run(runId, cacheKey).changes > 0;
}
