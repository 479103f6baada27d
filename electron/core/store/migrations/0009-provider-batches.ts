// Batch mode's state that must outlive the process: the provider's batches a run has in flight (the
// uploaded file, the batch id, its last status and counts) and, per request, which batch carries it
// and what became of it. A resume reads these to poll the same batches instead of uploading again;
// the answers themselves go to the response cache (0006).
import type { Migration } from './index.ts';

export const m0009ProviderBatches: Migration = {
  version: 9,
  name: 'provider-batches',
  up(db) {
    db.exec(`
      CREATE TABLE provider_batches (
        id             INTEGER PRIMARY KEY,
        run_id         INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        input_file_id  TEXT    NOT NULL,
        batch_id       TEXT    UNIQUE,           -- null between the upload and the batch's creation
        status         TEXT    NOT NULL,         -- 'uploaded', then the provider's status
        total          INTEGER NOT NULL DEFAULT 0,
        completed      INTEGER NOT NULL DEFAULT 0,
        failed         INTEGER NOT NULL DEFAULT 0,
        collected      INTEGER NOT NULL DEFAULT 0, -- 1 once its results are in the cache and below
        created_at     INTEGER NOT NULL,
        updated_at     INTEGER NOT NULL
      );
      CREATE INDEX provider_batches_run ON provider_batches(run_id, collected);
      CREATE TABLE provider_batch_requests (
        run_id     INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        cache_key  TEXT    NOT NULL,
        custom_id  TEXT    NOT NULL,
        batch_row  INTEGER NOT NULL REFERENCES provider_batches(id) ON DELETE CASCADE,
        state      TEXT    NOT NULL CHECK (state IN ('sent', 'answered', 'failed', 'unfinished')),
        sends      INTEGER NOT NULL DEFAULT 1,
        error      TEXT,
        counted    INTEGER NOT NULL DEFAULT 0,  -- 1 once its answer's cost is in the run's ledger
        PRIMARY KEY (run_id, cache_key)
      ) WITHOUT ROWID;
      CREATE INDEX provider_batch_requests_batch ON provider_batch_requests(batch_row);
    `);
  },
};
