// An item's earlier attempts: when chosen rows are run again in the same run (or failed ones retried),
// what the item had before (its status, output or error, and the transcript the transcripts table
// held) moves here, so the new attempt replaces nothing the user may want to compare with.
import type { Migration } from './index.ts';

export const m0007EarlierAttempts: Migration = {
  version: 7,
  name: 'earlier-attempts',
  up(db) {
    db.exec(`
      CREATE TABLE earlier_attempts (
        run_id      INTEGER NOT NULL,
        row_index   INTEGER NOT NULL,
        attempt     INTEGER NOT NULL,            -- items.attempts when it was set aside
        status      TEXT    NOT NULL,            -- 'done' | 'failed' | 'skipped'
        output      TEXT,                        -- JSON object keyed by output column
        error       TEXT,
        messages    TEXT    NOT NULL,            -- JSON TranscriptMessage[] of that attempt
        finished_at INTEGER,
        PRIMARY KEY (run_id, row_index, attempt),
        FOREIGN KEY (run_id, row_index) REFERENCES items(run_id, row_index) ON DELETE CASCADE
      );
    `);
  },
};
