// The response cache: a successful answer kept under its request's key (the sha256 of the canonical
// request, engine/cache/key.ts), so that the same request later, in any run over this database, is
// answered without being sent. Not tied to a run by a foreign key: deleting a run keeps what it paid
// for; run_id only says where an answer came from.
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
    `);
  },
};
