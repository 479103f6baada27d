// The first schema: datasets (an imported CSV, its rows stored once however many runs use them),
// runs, their items, each item's latest transcript, and the ledger of every finished LLM call. The
// ledger is the truth for tokens and cost: an item's totals are the sum of its calls over every
// attempt, a run's the sum over all of its calls. The item and run columns that carry those sums are
// updated in the same transaction as the ledger row, so they never drift from it.
import type { Migration } from './index.ts';

export const m0001Initial: Migration = {
  version: 1,
  name: 'initial',
  up(db) {
    db.exec(`
      CREATE TABLE datasets (
        id          INTEGER PRIMARY KEY AUTOINCREMENT,
        name        TEXT    NOT NULL,
        source_path TEXT,
        columns     TEXT    NOT NULL,            -- JSON array of the header, made unique
        notes       TEXT    NOT NULL DEFAULT '[]', -- JSON array of what the import fixed or noticed
        delimiter   TEXT    NOT NULL,
        encoding    TEXT    NOT NULL,
        row_count   INTEGER NOT NULL DEFAULT 0,
        -- 'importing' while rows stream in (invisible), 'ready' once complete
        state       TEXT    NOT NULL DEFAULT 'ready' CHECK (state IN ('importing', 'ready')),
        owner       TEXT,                        -- host:pid of the importing process
        created_at  INTEGER NOT NULL             -- ms since epoch
      );

      CREATE TABLE dataset_rows (
        dataset_id INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
        row_index  INTEGER NOT NULL,             -- 0-based, in file order
        vals       TEXT    NOT NULL,             -- JSON array of strings, one per column
        PRIMARY KEY (dataset_id, row_index)
      );

      CREATE TABLE runs (
        id                INTEGER PRIMARY KEY AUTOINCREMENT,
        name              TEXT    NOT NULL,
        dataset_id        INTEGER NOT NULL REFERENCES datasets(id),
        agent             TEXT    NOT NULL,      -- JSON AgentSpec (never an API key)
        options           TEXT    NOT NULL,      -- JSON RunOptions; budgets are the run's own
        status            TEXT    NOT NULL CHECK (status IN ('pending', 'running', 'paused', 'completed',
                            'stopped-error', 'stopped-budget', 'cancelled', 'interrupted')),
        error             TEXT,
        item_count        INTEGER NOT NULL,
        prompt_tokens     INTEGER NOT NULL DEFAULT 0, -- = SUM(calls.prompt_tokens)
        completion_tokens INTEGER NOT NULL DEFAULT 0, -- = SUM(calls.completion_tokens)
        cost_usd          REAL    NOT NULL DEFAULT 0, -- = SUM(calls.cost_usd)
        call_count        INTEGER NOT NULL DEFAULT 0, -- = COUNT(calls)
        active_ms         INTEGER NOT NULL DEFAULT 0, -- time spent running, over every session
        created_at        INTEGER NOT NULL,
        started_at        INTEGER,
        finished_at       INTEGER,
        owner             TEXT,                  -- host:pid of the process running it
        heartbeat_at      INTEGER                -- last sign of life from that process
      );
      CREATE INDEX runs_dataset ON runs(dataset_id);

      CREATE TABLE items (
        run_id            INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        row_index         INTEGER NOT NULL,
        prompt            TEXT    NOT NULL,
        status            TEXT    NOT NULL DEFAULT 'pending'
                            CHECK (status IN ('pending', 'running', 'done', 'failed', 'skipped')),
        skip_reason       TEXT,                  -- 'budget' | 'error' | 'cancelled' when skipped
        output            TEXT,                  -- JSON object keyed by output column
        error             TEXT,
        turns             INTEGER NOT NULL DEFAULT 0,
        prompt_tokens     INTEGER NOT NULL DEFAULT 0, -- = SUM of this item's calls, every attempt
        completion_tokens INTEGER NOT NULL DEFAULT 0,
        cost_usd          REAL    NOT NULL DEFAULT 0,
        latency_ms        INTEGER,               -- the latest attempt's wall time
        attempts          INTEGER NOT NULL DEFAULT 0,
        finished_at       INTEGER,
        PRIMARY KEY (run_id, row_index)
      );
      -- The results table pages, filters and sorts 100,000 items per run.
      CREATE INDEX items_status  ON items(run_id, status, row_index);
      CREATE INDEX items_cost    ON items(run_id, cost_usd);
      CREATE INDEX items_latency ON items(run_id, latency_ms);

      CREATE TABLE transcripts (
        run_id    INTEGER NOT NULL,
        row_index INTEGER NOT NULL,
        messages  TEXT    NOT NULL,              -- JSON TranscriptMessage[] of the latest attempt
        PRIMARY KEY (run_id, row_index),
        FOREIGN KEY (run_id, row_index) REFERENCES items(run_id, row_index) ON DELETE CASCADE
      );

      CREATE TABLE calls (
        id                INTEGER PRIMARY KEY,
        run_id            INTEGER NOT NULL,
        row_index         INTEGER NOT NULL,
        attempt           INTEGER NOT NULL,
        prompt_tokens     INTEGER NOT NULL,
        completion_tokens INTEGER NOT NULL,
        cost_usd          REAL    NOT NULL,
        latency_ms        INTEGER NOT NULL,
        status            INTEGER NOT NULL,      -- HTTP status; 0 = dropped or timed out
        created_at        INTEGER NOT NULL,
        FOREIGN KEY (run_id, row_index) REFERENCES items(run_id, row_index) ON DELETE CASCADE
      );
      CREATE INDEX calls_item ON calls(run_id, row_index);
    `);
  },
};
