import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { openDatabase, type Db } from './db.ts';
import { cacheSize, clearCache, deleteCachedAnswer, getCachedAnswer, getKeptAnswer, listCachedAnswers, putCachedAnswer, type CacheEntryInput } from './cache.ts';

let dir: string;
let db: Db;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rr-cache-'));
  db = openDatabase(path.join(dir, 'r.db'));
});
afterEach(() => {
  db.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

function entry(key: string, over: Partial<CacheEntryInput> = {}): CacheEntryInput {
  return {
    key,
    reply: { content: `answer ${key}`, toolCalls: [{ id: 'c1', name: 'lookup', arguments: '{"q":1}' }], finishReason: 'stop', model: 'gpt-4o-mini' },
    promptTokens: 10,
    completionTokens: 5,
    costUsd: 0.001,
    source: 'live',
    runId: 3,
    createdAt: 1_000,
    ...over,
  };
}

it('keeps an answer with its usage and origin, and reads it back from another connection', () => {
  expect(putCachedAnswer(db, entry('k1'))).toBe(true);
  const other = openDatabase(db.name);
  try {
    expect(getCachedAnswer(other, 'k1')).toEqual({ ...entry('k1'), createdAt: 1_000 });
    expect(getCachedAnswer(other, 'missing')).toBeUndefined();
  } finally {
    other.close();
  }
});

it('keeps the first answer for a key: a second put changes nothing', () => {
  putCachedAnswer(db, entry('k1'));
  expect(putCachedAnswer(db, entry('k1', { reply: { content: 'other', toolCalls: [], finishReason: 'stop', model: 'x' }, source: 'batch' }))).toBe(false);
  expect(getCachedAnswer(db, 'k1')?.reply.content).toBe('answer k1');
  expect(getCachedAnswer(db, 'k1')?.source).toBe('live');
});

it('forgets one key, sizes, lists newest first and clears by age', () => {
  putCachedAnswer(db, entry('old', { createdAt: 100, costUsd: 0.25 }));
  putCachedAnswer(db, entry('mid', { createdAt: 200, costUsd: 0.5, source: 'batch', runId: null }));
  putCachedAnswer(db, entry('new', { createdAt: 300, costUsd: 1 }));
  const size = cacheSize(db);
  expect(size).toMatchObject({ entries: 3, costUsd: 1.75, oldestAt: 100, newestAt: 300 });
  expect(size.bytes).toBeGreaterThan(3 * 'answer old'.length);
  expect(listCachedAnswers(db, { limit: 2 }).map((e) => e.key)).toEqual(['new', 'mid']);
  expect(listCachedAnswers(db, { limit: 2, offset: 2 })[0]).toMatchObject({ key: 'old', source: 'live', runId: 3, model: 'gpt-4o-mini' });
  expect(clearCache(db, { before: 250 })).toBe(2);
  expect(listCachedAnswers(db, { limit: 10 }).map((e) => e.key)).toEqual(['new']);
  expect(deleteCachedAnswer(db, 'new')).toBe(true);
  expect(deleteCachedAnswer(db, 'new')).toBe(false);
  putCachedAnswer(db, entry('again'));
  expect(clearCache(db)).toBe(1);
  expect(cacheSize(db)).toEqual({ entries: 0, bytes: 0, costUsd: 0, oldestAt: null, newestAt: null });
});

it('replays a kept answer from the columns a call needs, rows of any writer alike', () => {
  putCachedAnswer(db, entry('k1'));
  const { reply, promptTokens, completionTokens, costUsd } = getCachedAnswer(db, 'k1')!;
  expect(getKeptAnswer(db, 'k1')).toEqual({ reply, promptTokens, completionTokens, costUsd });
  expect(getKeptAnswer(db, 'missing')).toBeUndefined();
  // A row whose reply leaves out what an answer without it means (as a writer may): read as null and none.
  db.prepare(
    `INSERT INTO response_cache (key, reply, model, prompt_tokens, completion_tokens, cost_usd, source, run_id, created_at) VALUES ('k2', '{"content":"hi"}', 'm', 7, 3, 0.5, 'batch', NULL, 0)`,
  ).run();
  expect(getKeptAnswer(db, 'k2')).toEqual({ reply: { content: 'hi', toolCalls: [], finishReason: null, model: 'm' }, promptTokens: 7, completionTokens: 3, costUsd: 0.5 });
  expect(getCachedAnswer(db, 'k2')?.reply).toEqual(getKeptAnswer(db, 'k2')?.reply);
  // The full read still works on the same connection after the replay's array-mode statement.
  expect(getCachedAnswer(db, 'k1')).toEqual({ ...entry('k1'), createdAt: 1_000 });
});
