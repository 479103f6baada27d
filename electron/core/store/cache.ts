// The response cache's repository: answers kept under their request's key (engine/cache/key.ts).
// Only a successful answer that its item accepted belongs here; the caller decides that, this keeps
// what it is given. A key is written once: the first answer kept for a request is the one every
// later identical request gets, so two runs never disagree about the same question.
import type { ToolCall } from '../../../shared/domain.ts';
import type { Db } from './db.ts';
import { stmt } from './sql.ts';

/** Where a kept answer came from: a live call, or a provider's batch results. */
export type CacheSource = 'live' | 'batch';

/** The answer itself, as the transport returns it. */
export interface CachedReply {
  content: string | null;
  toolCalls: ToolCall[];
  finishReason: string | null;
  /** The model that answered. */
  model: string;
}

export interface CacheEntry {
  key: string;
  reply: CachedReply;
  promptTokens: number;
  completionTokens: number;
  /** What the answer cost when it was paid for: what each later hit saves. */
  costUsd: number;
  source: CacheSource;
  /** The run that paid for it; null when none (a library call, a deleted run's id is kept as is). */
  runId: number | null;
  createdAt: number;
}

export type CacheEntryInput = Omit<CacheEntry, 'createdAt'> & { createdAt?: number };

/** One entry as a list shows it: no answer text. */
export type CacheEntrySummary = Omit<CacheEntry, 'reply'> & { model: string; bytes: number };

export interface CacheSize {
  entries: number;
  /** Bytes of stored answers (the JSON text), not counting the index. */
  bytes: number;
  /** What the kept answers cost when paid for. */
  costUsd: number;
  oldestAt: number | null;
  newestAt: number | null;
}

interface CacheRow {
  key: string;
  reply: string;
  model: string;
  prompt_tokens: number;
  completion_tokens: number;
  cost_usd: number;
  source: CacheSource;
  run_id: number | null;
  created_at: number;
}

/** The reply column read back: members an older writer left out read as absent. */
function parseReply(text: string, model: string): CachedReply {
  const reply = JSON.parse(text) as Partial<Omit<CachedReply, 'model'>>;
  return { content: reply.content ?? null, toolCalls: reply.toolCalls ?? [], finishReason: reply.finishReason ?? null, model };
}

function toEntry(r: CacheRow): CacheEntry {
  return {
    key: r.key,
    reply: parseReply(r.reply, r.model),
    promptTokens: r.prompt_tokens,
    completionTokens: r.completion_tokens,
    costUsd: r.cost_usd,
    source: r.source,
    runId: r.run_id,
    createdAt: r.created_at,
  };
}

/** The answer kept for a key, if any. */
export function getCachedAnswer(db: Db, key: string): CacheEntry | undefined {
  const row = stmt<[string], CacheRow>(db, `SELECT * FROM response_cache WHERE key = ?`).get(key);
  return row ? toEntry(row) : undefined;
}

/** A kept answer as a call replays it: the reply, its usage and what it cost. */
export interface KeptAnswer {
  reply: CachedReply;
  promptTokens: number;
  completionTokens: number;
  costUsd: number;
}

type KeptRow = [reply: string, model: string, promptTokens: number, completionTokens: number, costUsd: number];

/**
 * The answer kept for a key as a call replays it. A run looks up every call before sending it, so
 * this reads only the columns a replay needs, as an array (no row object).
 */
export function getKeptAnswer(db: Db, key: string): KeptAnswer | undefined {
  const row = stmt<[string], KeptRow>(db, `SELECT reply, model, prompt_tokens, completion_tokens, cost_usd FROM response_cache WHERE key = ?`)
    .raw(true)
    .get(key);
  return row ? { reply: parseReply(row[0], row[1]), promptTokens: row[2], completionTokens: row[3], costUsd: row[4] } : undefined;
}

/** Keeps an answer; a key already kept is left as it is. Returns whether this one was kept. */
export function putCachedAnswer(db: Db, e: CacheEntryInput): boolean {
  const reply = JSON.stringify({ content: e.reply.content, toolCalls: e.reply.toolCalls, finishReason: e.reply.finishReason });
  const res = stmt(
    db,
    `INSERT INTO response_cache (key, reply, model, prompt_tokens, completion_tokens, cost_usd, source, run_id, created_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(key) DO NOTHING`,
  ).run(e.key, reply, e.reply.model, e.promptTokens, e.completionTokens, e.costUsd, e.source, e.runId, e.createdAt ?? Date.now());
  return res.changes > 0;
}

/** Forgets one answer (one that its item turned out not to accept). Returns whether it was there. */
export function deleteCachedAnswer(db: Db, key: string): boolean {
  return stmt(db, `DELETE FROM response_cache WHERE key = ?`).run(key).changes > 0;
}

export function cacheSize(db: Db): CacheSize {
  const r = stmt<[], { entries: number; bytes: number | null; cost: number | null; oldest: number | null; newest: number | null }>(
    db,
    `SELECT COUNT(*) AS entries, SUM(length(CAST(reply AS BLOB))) AS bytes, SUM(cost_usd) AS cost,
            MIN(created_at) AS oldest, MAX(created_at) AS newest FROM response_cache`,
  ).get()!;
  return { entries: r.entries, bytes: r.bytes ?? 0, costUsd: r.cost ?? 0, oldestAt: r.oldest, newestAt: r.newest };
}

/** Entries newest first, a page at a time. */
export function listCachedAnswers(db: Db, page: { limit: number; offset?: number }): CacheEntrySummary[] {
  const rows = stmt<[number, number], CacheRow & { bytes: number }>(
    db,
    `SELECT key, '' AS reply, model, prompt_tokens, completion_tokens, cost_usd, source, run_id, created_at,
            length(CAST(reply AS BLOB)) AS bytes
     FROM response_cache ORDER BY created_at DESC, key LIMIT ? OFFSET ?`,
  ).all(Math.max(0, Math.floor(page.limit)), Math.max(0, Math.floor(page.offset ?? 0)));
  return rows.map((r) => ({
    key: r.key,
    model: r.model,
    promptTokens: r.prompt_tokens,
    completionTokens: r.completion_tokens,
    costUsd: r.cost_usd,
    source: r.source,
    runId: r.run_id,
    createdAt: r.created_at,
    bytes: r.bytes,
  }));
}

/** Deletes every entry, or those kept before `before` (ms since epoch). Returns how many went. */
export function clearCache(db: Db, options: { before?: number } = {}): number {
  if (options.before === undefined) return stmt(db, `DELETE FROM response_cache`).run().changes;
  return stmt(db, `DELETE FROM response_cache WHERE created_at < ?`).run(options.before).changes;
}
