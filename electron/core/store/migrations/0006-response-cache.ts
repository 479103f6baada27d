// The response cache: a successful answer kept under its request's key (the sha256 of the canonical
// request, engine/cache/key.ts), so that the same request later, in any run over this database, is
// answered without being sent. Not tied to a run by a foreign key: deleting a run keeps what it paid
// for; run_id only says where an answer came from.
//
// A call answered from the cache is still a row of the ledger, marked from_cache, with zero tokens
// and cost (nothing was sent, nothing counts against a budget) and what its answer carried and cost
// when paid for (saved_tokens, saved_usd). A run keeps their count and sum beside its other totals.
import type { Migration } from './index.ts';

export const m0006ResponseCache: Migration = {
  version: 6,
  name: 'response-cache',
  up(db) {
    db.exec(`
      CREATE TABLE response_cache (
        key               TEXT    PRIMARY KEY,   -- hex sha256 of the canonical request
        reply             TEXT    NOT NULL,      -- JSON: content, toolCalls, finishReason, model
        model             TEXT    NOT NULL,      -- the model that answered
        prompt_tokens     INTEGER NOT NULL,
        completion_tokens INTEGER NOT NULL,
        cost_usd          REAL    NOT NULL,      -- what the answer cost when it was paid for
        source            TEXT    NOT NULL CHECK (source IN ('live', 'batch')),
        run_id            INTEGER,               -- the run that paid for it, if any (no foreign key)
        created_at        INTEGER NOT NULL       -- ms since epoch
      ) WITHOUT ROWID;
      CREATE INDEX response_cache_created ON response_cache(created_at);

      ALTER TABLE calls ADD COLUMN from_cache   INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE calls ADD COLUMN saved_tokens INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE calls ADD COLUMN saved_usd    REAL    NOT NULL DEFAULT 0;
      ALTER TABLE runs  ADD COLUMN cached_calls INTEGER NOT NULL DEFAULT 0; -- = COUNT(calls WHERE from_cache)
      ALTER TABLE runs  ADD COLUMN saved_usd    REAL    NOT NULL DEFAULT 0; -- = SUM(calls.saved_usd)
    `);
  },
};
