// The response cache of a run's session: reads straight from the run's database (a lookup by primary
// key, on the worker's own connection), and keeps new answers in memory until the session's next
// commit writes them with the events of the same turn: an item's result and the answers it accepted
// are committed together, so a kill never keeps one without the other.
import type { CachedAnswer, ResponseCache } from '../engine/cache/cache.ts';
import type { Db } from '../store/db.ts';
import { getKeptAnswer, putCachedAnswer, type CacheSource } from '../store/cache.ts';

export interface SessionCache extends ResponseCache {
  /** Whether answers wait to be written. */
  readonly pending: boolean;
  /** Writes the waiting answers; call inside the session's transaction. */
  writePending(now?: number): void;
}

export function sessionCache(db: Db, runId: number, source: CacheSource = 'live'): SessionCache {
  let waiting = new Map<string, CachedAnswer>();
  return {
    get(key) {
      const held = waiting.get(key);
      if (held) return held;
      const kept = getKeptAnswer(db, key);
      if (!kept) return undefined;
      const { reply } = kept;
      return {
        reply: { ...reply, promptTokens: kept.promptTokens, completionTokens: kept.completionTokens },
        costUsd: kept.costUsd,
      };
    },
    put(key, answer) {
      if (!waiting.has(key)) waiting.set(key, answer);
    },
    get pending() {
      return waiting.size > 0;
    },
    writePending(now = Date.now()) {
      if (waiting.size === 0) return;
      const answers = waiting;
      waiting = new Map();
      for (const [key, { reply, costUsd }] of answers) {
        putCachedAnswer(db, {
          key,
          reply: { content: reply.content, toolCalls: reply.toolCalls, finishReason: reply.finishReason, model: reply.model },
          promptTokens: reply.promptTokens,
          completionTokens: reply.completionTokens,
          costUsd,
          source,
          runId,
          createdAt: now,
        });
      }
    },
  };
}
