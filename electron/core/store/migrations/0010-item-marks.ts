// A reviewer's marks on a run's rows: a rating (1 up, -1 down) and a note. A table of their own, not
// columns of items: the batched writer rewrites items as a run goes, and a mark must never race it.
// Rows go with their item (ON DELETE CASCADE); the primary key serves that cascade and every join.
import type { Migration } from './index.ts';

export const m0010ItemMarks: Migration = {
  version: 10,
  name: 'item-marks',
  up(db) {
    db.exec(`
      CREATE TABLE item_marks (
        run_id    INTEGER NOT NULL,
        row_index INTEGER NOT NULL,
        rating    INTEGER CHECK (rating IN (1, -1)),
        note      TEXT,
        PRIMARY KEY (run_id, row_index),
        FOREIGN KEY (run_id, row_index) REFERENCES items(run_id, row_index) ON DELETE CASCADE
      ) WITHOUT ROWID;
      CREATE INDEX item_marks_rating ON item_marks(run_id, rating);
    `);
  },
};
