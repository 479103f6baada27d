// Items: one per dataset row a run covers, with its rendered prompt, status, output, error and totals,
// plus each item's latest transcript and the ledger of its calls (see writer.ts for how a running
// batch updates them).
import type { ItemFilter, ItemRow } from '../../../shared/contract.ts';
import type { ItemSkipReason, ItemStatus, OutputValues, TranscriptMessage } from '../../../shared/domain.ts';
import type { Db } from './db.ts';
import { roundUsd } from '../../../shared/money.ts';
import { filterSql, likePattern } from './item-filters.ts';
import { ratingOf } from './marks.ts';
import { parseJson, stmt } from './sql.ts';

/** An item as the store reads it: the contract's row, with what only the detail and the runs service use. */
export type ItemRecord = ItemRow & { prompt: string; skipReason: string | null; attempts: number };

/** An item's columns as SQLite returns them. */
interface ItemSqlRow {
  row_index: number;
  vals: string | null;
  prompt: string;
  status: ItemStatus;
  skip_reason: string | null;
  output: string | null;
  error: string | null;
  turns: number;
  prompt_tokens: number;
  completion_tokens: number;
  cost_usd: number;
  cached_tokens: number;
  latency_ms: number | null;
  attempts: number;
  rating: number | null;
  note: string | null;
}

/** The columns an item's record and its export have in common. */
type ResultRow = Omit<ItemSqlRow, 'prompt' | 'skip_reason' | 'attempts' | 'output'>;

function resultOf(r: ResultRow): Omit<ItemResultRecord, 'output' | 'cached'> {
  return {
    index: r.row_index,
    input: parseJson<string[]>(r.vals, []),
    status: r.status,
    error: r.error,
    turns: r.turns,
    promptTokens: r.prompt_tokens,
    completionTokens: r.completion_tokens,
    cachedTokens: r.cached_tokens,
    // Sums of float dollars drift (0.000022349999999999998): read as whole micro-dollars.
    costUsd: roundUsd(r.cost_usd),
    latencyMs: r.latency_ms,
    rating: ratingOf(r.rating),
    note: r.note,
  };
}

function toRecord(r: ItemSqlRow): ItemRecord {
  return {
    ...resultOf(r),
    prompt: r.prompt,
    skipReason: r.skip_reason,
    output: parseJson<OutputValues | null>(r.output, null),
    attempts: r.attempts,
  };
}

const ITEM_COLUMNS = `i.row_index, d.vals, i.prompt, i.status, i.skip_reason, i.output, i.error, i.turns,
  i.prompt_tokens, i.completion_tokens, i.cost_usd, i.cached_tokens, i.latency_ms, i.attempts, m.rating, m.note`;
const ITEM_FROM = `items i JOIN runs r ON r.id = i.run_id
  LEFT JOIN dataset_rows d ON d.dataset_id = r.dataset_id AND d.row_index = i.row_index
  LEFT JOIN item_marks m ON m.run_id = i.run_id AND m.row_index = i.row_index`;

/** Inserts items as pending, and counts them (no per-row trigger: see migration 0003). Call inside a transaction. */
export function insertItems(db: Db, runId: number, items: Iterable<{ index: number; prompt: string }>): number {
  const ins = stmt(db, `INSERT INTO items (run_id, row_index, prompt) VALUES (?, ?, ?)`);
  let n = 0;
  for (const it of items) {
    ins.run(runId, it.index, it.prompt);
    n++;
  }
  stmt(db, `UPDATE run_counts SET pending = pending + ? WHERE run_id = ?`).run(n, runId);
  return n;
}

/** An SQL expression over a dataset row's `vals` and the parameters it binds (see runs/prompt-sql.ts). */
export interface SqlExpression {
  sql: string;
  params: readonly string[];
}

/**
 * Inserts a run's items for the dataset's rows [from, count), each prompt computed by SQLite from its
 * row, in one INSERT … SELECT: no row crosses into JavaScript (a million rows took 3.5 s rendered in
 * JavaScript a row a statement, about half that with a JavaScript SQL function, and the function's
 * calls alone more than this whole statement). Counts them as pending. Call inside a transaction.
 */
export function insertItemsFromRows(db: Db, runId: number, datasetId: number, count: number, prompt: SqlExpression, from = 0): number {
  const n = db
    .prepare(
      `INSERT INTO items (run_id, row_index, prompt)
       SELECT ?, row_index, ${prompt.sql} FROM dataset_rows WHERE dataset_id = ? AND row_index >= ? AND row_index < ? ORDER BY row_index`,
    )
    .run(runId, ...prompt.params, datasetId, from, count).changes;
  stmt(db, `UPDATE run_counts SET pending = pending + ? WHERE run_id = ?`).run(n, runId);
  return n;
}

/**
 * The items a (re)started batch sends, pending ones in row order, as the engine takes them: every row index now, prompts a page at a time as
 * the items start (in rising order), so a worker does not hold every prompt of a large run.
 */
export function pendingItemSource(db: Db, runId: number, pageSize = 1000): { rows: Uint32Array; prompt(i: number): string } {
  const rows = Uint32Array.from(
    stmt<[number], number>(db, `SELECT row_index FROM items WHERE run_id = ? AND status = 'pending' ORDER BY row_index`)
      .pluck()
      .all(runId),
  );
  return { rows, prompt: pagedPrompts(db, runId, rows, pageSize) };
}

/** The most rows a growing item source holds (its reserved address space: 4 bytes a row). */
const MAX_GROWING_ROWS = 2 ** 28;

/**
 * The pending items of a run whose rows are still being added (a run that starts while its file is
 * read): `rows` grows each time `takeNew` finds items added since, in row order. It is one typed
 * array over a resizable buffer, so it keeps 4 bytes a row and grows in place: the engine holds it
 * from the start and reads its length as it goes. A plain array took 8 bytes a row and up to half
 * as much again of slack at each growth, in the worker's heap (12 MB at a million rows).
 */
export function growingItemSource(db: Db, runId: number, pageSize = 1000): { rows: Uint32Array; prompt(i: number): string; takeNew(): number } {
  const buffer = new ArrayBuffer(0, { maxByteLength: MAX_GROWING_ROWS * Uint32Array.BYTES_PER_ELEMENT });
  // Tracks the buffer's length, which is always exactly the rows taken: the engine reads it as the item count.
  const rows = new Uint32Array(buffer);
  const after = stmt<[number, number], number>(
    db,
    `SELECT row_index FROM items WHERE run_id = ? AND status = 'pending' AND row_index > ? ORDER BY row_index`,
  ).pluck();
  const takeNew = (): number => {
    const before = rows.length;
    const added = after.all(runId, before ? rows[before - 1] : -1);
    if (before + added.length > MAX_GROWING_ROWS) throw new Error(`A run that starts while its file is read holds at most ${MAX_GROWING_ROWS.toLocaleString('en-US')} rows.`);
    buffer.resize((before + added.length) * Uint32Array.BYTES_PER_ELEMENT);
    rows.set(added, before);
    return added.length;
  };
  takeNew();
  return { rows, prompt: pagedPrompts(db, runId, rows, pageSize), takeNew };
}

/** Item i's prompt (i a position in rows), read a page at a time as items start in rising order. */
function pagedPrompts(db: Db, runId: number, rows: ArrayLike<number>, pageSize: number): (i: number) => string {
  const pageOf = stmt<[number, number, number], { row_index: number; prompt: string }>(
    db,
    `SELECT row_index, prompt FROM items WHERE run_id = ? AND row_index BETWEEN ? AND ? ORDER BY row_index`,
  );
  let first = 0;
  let page: string[] = [];
  const load = (start: number): void => {
    const end = Math.min(rows.length, start + pageSize);
    page = new Array<string>(end - start);
    // The range also holds rows that are not pending (done before a resume): only the listed ones are kept.
    let j = start;
    for (const r of pageOf.iterate(runId, rows[start], rows[end - 1])) {
      while (j < end && rows[j] < r.row_index) j++;
      if (j === end) break;
      if (rows[j] === r.row_index) page[j - start] = r.prompt;
    }
    first = start;
  };
  return (i) => {
    if (i < first || i >= first + page.length) load(i);
    const prompt = page[i - first];
    if (prompt === undefined) throw new Error(`item ${rows[i]} of run ${runId} has no prompt`);
    return prompt;
  };
}

/** In-flight items of a run that stopped go back to pending; their calls stay in the ledger. */
export function resetRunning(db: Db, runId: number): number {
  return stmt(db, `UPDATE items SET status = 'pending' WHERE run_id = ? AND status = 'running'`).run(runId).changes;
}

/**
 * The items a stopped batch never started, in one statement: skipped with the reason, or left pending
 * after a cancel (a resume sends them either way). Returns how many were marked.
 */
export function skipPending(db: Db, runId: number, reason: ItemSkipReason): number {
  if (reason === 'cancelled') return 0;
  return stmt(db, `UPDATE items SET status = 'skipped', skip_reason = ? WHERE run_id = ? AND status = 'pending'`).run(reason, runId).changes;
}

/** Items a stopped run never started become pending again, so a resume sends them. */
export function resetSkipped(db: Db, runId: number): number {
  return stmt(db, `UPDATE items SET status = 'pending', skip_reason = NULL WHERE run_id = ? AND status = 'skipped'`).run(runId)
    .changes;
}

/** Failed items become pending for a retry; their error is cleared, their spent tokens stay. */
export function resetFailed(db: Db, runId: number): number {
  return stmt(db, `UPDATE items SET status = 'pending', error = NULL WHERE run_id = ? AND status = 'failed'`).run(runId).changes;
}

export function getItem(db: Db, runId: number, index: number): (ItemRecord & { transcript: TranscriptMessage[] }) | undefined {
  const r = stmt<[number, number], ItemSqlRow & { messages: string | null }>(
    db,
    `SELECT ${ITEM_COLUMNS}, t.messages FROM ${ITEM_FROM}
     LEFT JOIN transcripts t ON t.run_id = i.run_id AND t.row_index = i.row_index
     WHERE i.run_id = ? AND i.row_index = ?`,
  ).get(runId, index);
  if (!r) return undefined;
  return { ...toRecord(r), transcript: parseJson<TranscriptMessage[]>(r.messages, []) };
}

export interface ItemCallRecord {
  attempt: number;
  promptTokens: number;
  completionTokens: number;
  costUsd: number;
  latencyMs: number;
  status: number;
  createdAt: number;
}

export function itemCalls(db: Db, runId: number, index: number): ItemCallRecord[] {
  return stmt<[number, number], ItemCallRecord>(
    db,
    `SELECT attempt, prompt_tokens AS promptTokens, completion_tokens AS completionTokens, cost_usd AS costUsd,
       latency_ms AS latencyMs, status, created_at AS createdAt
     FROM calls WHERE run_id = ? AND row_index = ? ORDER BY id`,
  ).all(runId, index);
}

export interface PageQuery {
  runId: number;
  offset: number;
  limit: number;
  status?: ItemStatus;
  search?: string;
  /** 'index', 'status', 'latencyMs', 'costUsd', 'turns', 'promptTokens', 'completionTokens', 'attempts', or a column name. */
  sort?: { column: string; desc: boolean };
  inputColumns: readonly string[];
  outputColumns: readonly string[];
  /** The grid's per-column filters (item-filters.ts). */
  filters?: readonly ItemFilter[];
}

/** Sort keys that are never NULL (no NULLS LAST, which would keep SQLite from walking an index). */
const SORTABLE: Record<string, string> = {
  index: 'i.row_index',
  status: 'i.status',
  costUsd: 'i.cost_usd',
  turns: 'i.turns',
  promptTokens: 'i.prompt_tokens',
  completionTokens: 'i.completion_tokens',
  attempts: 'i.attempts',
};

/** The WHERE clause of a query (status, search, filters), and whether it reads the dataset rows. */
function queryWhere(q: Omit<PageQuery, 'offset' | 'limit'>): { whereSql: string; params: unknown[]; needRows: boolean; search: boolean } {
  const where: string[] = ['i.run_id = ?'];
  const params: unknown[] = [q.runId];
  if (q.status) {
    where.push('i.status = ?');
    params.push(q.status);
  }
  const search = q.search?.trim();
  let needRows = false;
  if (search) {
    const p = likePattern(search);
    where.push(`(i.prompt LIKE ? ESCAPE '\\' OR i.output LIKE ? ESCAPE '\\' OR i.error LIKE ? ESCAPE '\\' OR d.vals LIKE ? ESCAPE '\\')`);
    params.push(p, p, p, p);
    needRows = true;
  }
  const filtered = filterSql(q.filters ?? [], q);
  where.push(...filtered.where);
  params.push(...filtered.params);
  needRows ||= filtered.needRows;
  return { whereSql: where.join(' AND '), params, needRows, search: !!search };
}

/**
 * One page of a run's items, filtered, searched and sorted; `total` counts the filtered set.
 *
 * The page's keys are found first, over the items alone where nothing else is asked for, then only
 * those rows are read with their input row: an OFFSET makes SQLite step over every row before the
 * page, and a join it steps over costs a lookup each (the last page of a million items took seconds
 * that way). A search is one scan that keeps every match's key (its count and its page at once),
 * not a count and then a second scan for the page.
 */
export function itemsPage(db: Db, q: PageQuery): { total: number; rows: ItemRecord[] } {
  const where = queryWhere(q);
  const { whereSql, params } = where;
  const { order, orderParams, needRows: sortNeedsRows } = orderOf(q);
  const from = where.needRows || sortNeedsRows ? ITEM_FROM : 'items i';
  let total: number;
  let keys: number[];
  if (where.search) {
    const all = db.prepare(`SELECT i.row_index FROM ${from} WHERE ${whereSql} ORDER BY ${order}`).pluck().all(...params, ...orderParams) as number[];
    total = all.length;
    keys = all.slice(q.offset, q.offset + q.limit);
  } else {
    const countFrom = where.needRows ? ITEM_FROM : 'items i';
    // All items, or one status: the counts the triggers keep (run_counts), not a count over a million rows.
    total = (q.filters ?? []).length === 0
      ? statusTotal(db, q.runId, q.status)
      : ((db.prepare(`SELECT COUNT(*) FROM ${countFrom} WHERE ${whereSql}`).pluck().get(...params) as number) ?? 0);
    keys = db
      .prepare(`SELECT i.row_index FROM ${from} WHERE ${whereSql} ORDER BY ${order} LIMIT ? OFFSET ?`)
      .pluck()
      .all(...params, ...orderParams, q.limit, q.offset) as number[];
  }
  if (keys.length === 0) return { total, rows: [] };
  const byKey = new Map<number, ItemSqlRow>();
  for (const r of stmt<[number, string], ItemSqlRow>(
    db,
    `SELECT ${ITEM_COLUMNS} FROM ${ITEM_FROM} WHERE i.run_id = ? AND i.row_index IN (SELECT value FROM json_each(?))`,
  ).iterate(q.runId, JSON.stringify(keys))) {
    byKey.set(r.row_index, r);
  }
  return { total, rows: keys.flatMap((k) => (byKey.has(k) ? [toRecord(byKey.get(k)!)] : [])) };
}

/** run_counts' column of each status (the compiler holds it to ItemStatus; not the schema, which would bring zod into the run worker). */
const COUNT_COLUMNS: Record<ItemStatus, string> = { pending: 'pending', running: 'running', done: 'done', failed: 'failed', skipped: 'skipped' };

/** How many of the run's items have this status (all of them without one), from run_counts. */
function statusTotal(db: Db, runId: number, status: ItemStatus | undefined): number {
  const column = status === undefined ? Object.values(COUNT_COLUMNS).join(' + ') : COUNT_COLUMNS[status];
  if (!column) throw new Error(`unknown item status ${String(status)}`);
  return stmt<[number], number>(db, `SELECT ${column} FROM run_counts WHERE run_id = ?`).pluck().get(runId) ?? 0;
}

/** Every row index a query matches, in its order (no page): what "select all the filter's rows" selects. */
export function itemIndexes(db: Db, q: Omit<PageQuery, 'offset' | 'limit'>): number[] {
  const { whereSql, params } = queryWhere(q);
  const { order, orderParams } = orderOf(q);
  return db
    .prepare(`SELECT i.row_index FROM ${ITEM_FROM} WHERE ${whereSql} ORDER BY ${order}`)
    .pluck()
    .all(...params, ...orderParams) as number[];
}

/** The ORDER BY of a query, and whether it reads the dataset rows (a sort on an input column). */
function orderOf(q: Omit<PageQuery, 'offset' | 'limit'>): { order: string; orderParams: unknown[]; needRows: boolean } {
  let needRows = false;
  let order = 'i.row_index';
  const orderParams: unknown[] = [];
  if (q.sort) {
    const dir = q.sort.desc ? 'DESC' : 'ASC';
    const known = SORTABLE[q.sort.column];
    let expr: string | undefined = known;
    let nullable = false;
    if (q.sort.column === 'latencyMs') {
      expr = 'i.latency_ms';
      nullable = true;
    } else if (!expr) {
      nullable = true;
      const inputAt = q.inputColumns.indexOf(q.sort.column);
      if (inputAt >= 0) {
        expr = `(d.vals ->> ?)`;
        orderParams.push(`$[${inputAt}]`);
        needRows = true;
      } else if (q.outputColumns.includes(q.sort.column)) {
        expr = `(i.output ->> ?)`;
        orderParams.push(`$.${JSON.stringify(q.sort.column)}`);
      }
    }
    // Unfinished items (no latency, no output) go last either way; DESC puts NULLs last already.
    if (expr) order = `${expr} ${dir}${nullable && !q.sort.desc ? ' NULLS LAST' : ''}, i.row_index ${dir}`;
  }
  return { order, orderParams, needRows };
}

/** An item as an export writes it: its input row and its results (an item without output has {}). */
export type ItemResultRecord = Omit<ItemRecord, 'prompt' | 'skipReason' | 'attempts' | 'output'> & {
  output: OutputValues;
  /** It has calls, and every one was answered from the response cache. */
  cached: boolean;
};

/**
 * Every item of a run with its input row, in row order, a page at a time (for export). Only what an
 * export writes is read (not the prompts, often as long as the answers).
 */
export function* runRows(db: Db, runId: number, page = 500): Generator<ItemResultRecord> {
  const q = stmt<[number, number, number], ResultRow & { output: string | null; cached: number | null }>(
    db,
    `SELECT i.row_index, d.vals, i.status, i.output, i.error, i.turns, i.prompt_tokens, i.completion_tokens, i.cost_usd, i.cached_tokens, i.latency_ms,
       m.rating, m.note,
       (SELECT COUNT(*) > 0 AND MIN(c.from_cache) = 1 FROM calls c WHERE c.run_id = i.run_id AND c.row_index = i.row_index) AS cached
     FROM ${ITEM_FROM} WHERE i.run_id = ? AND i.row_index >= ? ORDER BY i.row_index LIMIT ?`,
  );
  let at = 0;
  for (;;) {
    const rows = q.all(runId, at, page);
    for (const r of rows) yield { ...resultOf(r), output: parseJson<OutputValues>(r.output, {}), cached: r.cached === 1 };
    if (rows.length < page) return;
    at = rows[rows.length - 1].row_index + 1;
  }
}

/** Sums over the items of a run (each the sum of its calls): must equal the run's ledger totals. */
export function itemTotals(db: Db, runId: number): { promptTokens: number; completionTokens: number; costUsd: number } {
  const r = stmt<[number], { p: number | null; c: number | null; cost: number | null }>(
    db,
    `SELECT SUM(prompt_tokens) AS p, SUM(completion_tokens) AS c, SUM(cost_usd) AS cost FROM items WHERE run_id = ?`,
  ).get(runId)!;
  return { promptTokens: r.p ?? 0, completionTokens: r.c ?? 0, costUsd: roundUsd(r.cost ?? 0) };
}
