// Runs: the agent spec and options a run was created with, its status, and its totals. The totals
// columns are the sums over the calls ledger (kept equal by writing both in one transaction).
import type { Endpoint, RunTotals } from '../../../shared/contract.ts';
import type { AgentSpec, ItemStatus, RunOptions, RunStatus } from '../../../shared/domain.ts';
import type { Db } from './db.ts';
import { roundUsd } from '../../../shared/money.ts';
import { stmt } from './sql.ts';

export interface RunRecord {
  id: number;
  name: string;
  datasetId: number;
  agent: AgentSpec;
  options: RunOptions;
  /** The endpoint it was started with; null for a run made before endpoints were kept. */
  endpoint: Endpoint | null;
  status: RunStatus;
  error: string | null;
  itemCount: number;
  promptTokens: number;
  completionTokens: number;
  costUsd: number;
  /** Of the prompt tokens, those the provider had cached. */
  cachedTokens: number;
  callCount: number;
  /** Calls answered from the response cache (counted in callCount too), and what they would have cost. */
  cachedCalls: number;
  savedUsd: number;
  activeMs: number;
  createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
  owner: string | null;
  heartbeatAt: number | null;
  /** Items by status, kept by triggers in run_counts (migration 0003). */
  counts: StatusCounts;
}

interface RunRow {
  id: number;
  name: string;
  dataset_id: number;
  agent: string;
  options: string;
  endpoint: string | null;
  status: RunStatus;
  error: string | null;
  item_count: number;
  prompt_tokens: number;
  completion_tokens: number;
  cost_usd: number;
  cached_tokens: number;
  call_count: number;
  cached_calls: number;
  saved_usd: number;
  active_ms: number;
  created_at: number;
  started_at: number | null;
  finished_at: number | null;
  owner: string | null;
  heartbeat_at: number | null;
  pending: number;
  running: number;
  done: number;
  failed: number;
  skipped: number;
}

const RUN_SELECT = `r.*, c.pending, c.running, c.done, c.failed, c.skipped FROM runs r JOIN run_counts c ON c.run_id = r.id`;

function toRecord(r: RunRow): RunRecord {
  return {
    id: r.id,
    name: r.name,
    datasetId: r.dataset_id,
    agent: JSON.parse(r.agent) as AgentSpec,
    options: JSON.parse(r.options) as RunOptions,
    endpoint: r.endpoint ? (JSON.parse(r.endpoint) as Endpoint) : null,
    status: r.status,
    error: r.error,
    itemCount: r.item_count,
    promptTokens: r.prompt_tokens,
    completionTokens: r.completion_tokens,
    // Sums of float dollars drift: read as whole micro-dollars.
    costUsd: roundUsd(r.cost_usd),
    cachedTokens: r.cached_tokens,
    callCount: r.call_count,
    cachedCalls: r.cached_calls,
    savedUsd: roundUsd(r.saved_usd),
    activeMs: r.active_ms,
    createdAt: r.created_at,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    owner: r.owner,
    heartbeatAt: r.heartbeat_at,
    counts: { pending: r.pending, running: r.running, done: r.done, failed: r.failed, skipped: r.skipped },
  };
}

export function insertRun(
  db: Db,
  p: { name: string; datasetId: number; agent: AgentSpec; options: RunOptions; endpoint?: Endpoint; itemCount: number; now?: number },
): number {
  const res = stmt(
    db,
    `INSERT INTO runs (name, dataset_id, agent, options, endpoint, status, item_count, created_at)
     VALUES (?, ?, ?, ?, ?, 'pending', ?, ?)`,
  ).run(
    p.name,
    p.datasetId,
    JSON.stringify(p.agent),
    JSON.stringify(p.options),
    p.endpoint ? JSON.stringify(endpointToKeep(p.endpoint)) : null,
    p.itemCount,
    p.now ?? Date.now(),
  );
  return Number(res.lastInsertRowid);
}

/** A run whose rows are still being read grows by each batch of them. */
export function setItemCount(db: Db, id: number, itemCount: number): void {
  stmt(db, `UPDATE runs SET item_count = ? WHERE id = ?`).run(itemCount, id);
}

export function getRun(db: Db, id: number): RunRecord | undefined {
  const r = stmt<[number], RunRow>(db, `SELECT ${RUN_SELECT} WHERE r.id = ?`).get(id);
  return r ? toRecord(r) : undefined;
}

/** A run's counts and sums alone: read after every commit of a running batch, so nothing is parsed. */
export function runTotalsOf(db: Db, id: number): RunTotals {
  const t = stmt<[number], RunTotals>(
    db,
    `SELECT r.item_count AS items, c.pending, c.running, c.done, c.failed, c.skipped, r.prompt_tokens AS promptTokens,
       r.completion_tokens AS completionTokens, r.cost_usd AS costUsd, r.cached_tokens AS cachedTokens,
       r.cached_calls AS cachedCalls, r.saved_usd AS savedUsd
     FROM runs r JOIN run_counts c ON c.run_id = r.id WHERE r.id = ?`,
  ).get(id);
  if (!t) throw new Error(`run ${id} does not exist`);
  t.costUsd = roundUsd(t.costUsd);
  t.savedUsd = roundUsd(t.savedUsd ?? 0);
  return t;
}

/** Oldest first. */
export function listRuns(db: Db): RunRecord[] {
  return stmt<[], RunRow>(db, `SELECT ${RUN_SELECT} ORDER BY r.created_at, r.id`).all().map(toRecord);
}

export function runsWithStatus(db: Db, statuses: readonly RunStatus[]): RunRecord[] {
  const list = statuses.map((s) => `'${s.replace(/'/g, "''")}'`).join(', ');
  return stmt<[], RunRow>(db, `SELECT ${RUN_SELECT} WHERE r.status IN (${list}) ORDER BY r.id`).all().map(toRecord);
}

/** Only what names the server: a custom endpoint's base URL, no more. */
function endpointToKeep(e: Endpoint): Endpoint {
  return e.kind === 'custom' && e.baseURL ? { kind: 'custom', baseURL: e.baseURL } : { kind: e.kind };
}

export function setRunEndpoint(db: Db, id: number, endpoint: Endpoint): void {
  stmt(db, `UPDATE runs SET endpoint = ? WHERE id = ?`).run(JSON.stringify(endpointToKeep(endpoint)), id);
}

export function renameRun(db: Db, id: number, name: string): void {
  stmt(db, `UPDATE runs SET name = ? WHERE id = ?`).run(name, id);
}

export function setRunOptions(db: Db, id: number, options: RunOptions): void {
  stmt(db, `UPDATE runs SET options = ? WHERE id = ?`).run(JSON.stringify(options), id);
}

/** Claims a run for this process: status running, owner and heartbeat set, started_at kept from the first start. */
export function claimRun(db: Db, id: number, owner: string, now = Date.now()): void {
  stmt(
    db,
    `UPDATE runs SET status = 'running', error = NULL, owner = ?, heartbeat_at = ?,
       started_at = COALESCE(started_at, ?), finished_at = NULL WHERE id = ?`,
  ).run(owner, now, now, id);
}

export function setRunStatus(db: Db, id: number, status: RunStatus, error: string | null = null): void {
  stmt(db, `UPDATE runs SET status = ?, error = ? WHERE id = ?`).run(status, error, id);
}

/** Ends a session: the final status, the owner released, active time added. */
export function releaseRun(db: Db, id: number, status: RunStatus, error: string | null, addActiveMs: number, now = Date.now()): void {
  stmt(
    db,
    `UPDATE runs SET status = ?, error = ?, owner = NULL, heartbeat_at = NULL, finished_at = ?,
       active_ms = active_ms + ? WHERE id = ?`,
  ).run(status, error, now, Math.max(0, Math.round(addActiveMs)), id);
}

export function heartbeat(db: Db, id: number, addActiveMs: number, now = Date.now()): void {
  stmt(db, `UPDATE runs SET heartbeat_at = ?, active_ms = active_ms + ? WHERE id = ?`).run(
    now,
    Math.max(0, Math.round(addActiveMs)),
    id,
  );
}

export function deleteRun(db: Db, id: number): void {
  while (deleteRunChunk(db, id, Number.MAX_SAFE_INTEGER)) {
    // one pass deletes everything
  }
}

/**
 * Deletes up to `rows` items of a run (with their calls and transcripts) in one transaction, keeping
 * the counts exact; once no item is left, deletes the run. Returns whether anything is left, so a
 * caller can delete a run of a million items in slices without holding the write lock for seconds.
 */
export function deleteRunChunk(db: Db, id: number, rows: number): boolean {
  return db.transaction(() => {
    const last = stmt<[number, number], { row_index: number }>(
      db,
      `SELECT row_index FROM items WHERE run_id = ? ORDER BY row_index LIMIT 1 OFFSET ?`,
    ).get(id, Math.max(0, Math.min(rows, Number.MAX_SAFE_INTEGER) - 1));
    const to = last ? last.row_index + 1 : Number.MAX_SAFE_INTEGER;
    const gone = stmt<[number, number], { status: ItemStatus; n: number }>(
      db,
      `SELECT status, COUNT(*) AS n FROM items WHERE run_id = ? AND row_index < ? GROUP BY status`,
    ).all(id, to);
    stmt(db, `DELETE FROM calls WHERE run_id = ? AND row_index < ?`).run(id, to);
    stmt(db, `DELETE FROM transcripts WHERE run_id = ? AND row_index < ?`).run(id, to);
    stmt(db, `DELETE FROM items WHERE run_id = ? AND row_index < ?`).run(id, to);
    if (!last) {
      stmt(db, `DELETE FROM runs WHERE id = ?`).run(id);
      return false;
    }
    for (const g of gone) stmt(db, `UPDATE run_counts SET ${g.status} = ${g.status} - ? WHERE run_id = ?`).run(g.n, id);
    return true;
  }).immediate();
}

export type StatusCounts = Record<ItemStatus, number>;

/** Counts straight from the items (the truth the trigger-kept counts must equal). */
export function statusCounts(db: Db, runId: number): StatusCounts {
  const counts: StatusCounts = { pending: 0, running: 0, done: 0, failed: 0, skipped: 0 };
  const rows = stmt<[number], { status: ItemStatus; n: number }>(
    db,
    `SELECT status, COUNT(*) AS n FROM items WHERE run_id = ? GROUP BY status`,
  ).all(runId);
  for (const r of rows) counts[r.status] = r.n;
  return counts;
}

/** Sums straight from the ledger (the truth); the runs columns must equal these. */
export function ledgerTotals(db: Db, runId: number): { promptTokens: number; completionTokens: number; costUsd: number; calls: number } {
  const r = stmt<[number], { p: number | null; c: number | null; cost: number | null; n: number }>(
    db,
    `SELECT SUM(prompt_tokens) AS p, SUM(completion_tokens) AS c, SUM(cost_usd) AS cost, COUNT(*) AS n
     FROM calls WHERE run_id = ?`,
  ).get(runId)!;
  return { promptTokens: r.p ?? 0, completionTokens: r.c ?? 0, costUsd: roundUsd(r.cost ?? 0), calls: r.n };
}
