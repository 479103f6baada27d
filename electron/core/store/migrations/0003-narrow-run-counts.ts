// Moves the item counts by status from the runs row to a narrow table of their own, and keeps only the
// trigger for status changes. A trigger costs about 14 µs a row here, three times the insert it
// follows, so the per-row insert and delete triggers made creating a run of 1,000,000 items take half
// a minute and deleting it as long. Items are inserted in bulk only by insertItems, which adds its
// count to 'pending' in the same transaction, and deleted only with their run, whose counts row goes
// too. Status changes (a few per item over a run) keep their trigger.
import type { Migration } from './index.ts';

const STATUSES = ['pending', 'running', 'done', 'failed', 'skipped'] as const;

export const m0003NarrowRunCounts: Migration = {
  version: 3,
  name: 'narrow-run-counts',
  up(db) {
    db.exec(`
      CREATE TABLE run_counts (
        run_id  INTEGER PRIMARY KEY REFERENCES runs(id) ON DELETE CASCADE,
        ${STATUSES.map((s) => `${s} INTEGER NOT NULL DEFAULT 0`).join(',\n        ')}
      );
      INSERT INTO run_counts (run_id, ${STATUSES.join(', ')})
        SELECT id, ${STATUSES.map((s) => `n_${s}`).join(', ')} FROM runs;

      DROP TRIGGER items_count_insert;
      DROP TRIGGER items_count_update;
      DROP TRIGGER items_count_delete;
      ${STATUSES.map((s) => `ALTER TABLE runs DROP COLUMN n_${s};`).join('\n      ')}

      CREATE TRIGGER run_counts_new_run AFTER INSERT ON runs BEGIN
        INSERT INTO run_counts (run_id) VALUES (NEW.id);
      END;

      CREATE TRIGGER items_count_update AFTER UPDATE OF status ON items WHEN OLD.status <> NEW.status BEGIN
        UPDATE run_counts SET ${STATUSES.map((s) => `${s} = ${s} + (NEW.status = '${s}') - (OLD.status = '${s}')`).join(', ')}
        WHERE run_id = NEW.run_id;
      END;
    `);
  },
};
