// Item counts by status on each run, kept by triggers, so listing runs (each with its done, failed,
// pending… counts) reads one row per run instead of counting 100,000 items per run. Existing runs
// are backfilled from their items.
import type { Migration } from './index.ts';

const STATUSES = ['pending', 'running', 'done', 'failed', 'skipped'] as const;

export const m0002RunCounts: Migration = {
  version: 2,
  name: 'run-counts',
  up(db) {
    for (const s of STATUSES) db.exec(`ALTER TABLE runs ADD COLUMN n_${s} INTEGER NOT NULL DEFAULT 0`);
    db.exec(`
      UPDATE runs SET
        ${STATUSES.map((s) => `n_${s} = (SELECT COUNT(*) FROM items WHERE items.run_id = runs.id AND items.status = '${s}')`).join(',\n        ')};

      CREATE TRIGGER items_count_insert AFTER INSERT ON items BEGIN
        UPDATE runs SET ${STATUSES.map((s) => `n_${s} = n_${s} + (NEW.status = '${s}')`).join(', ')}
        WHERE id = NEW.run_id;
      END;

      CREATE TRIGGER items_count_update AFTER UPDATE OF status ON items WHEN OLD.status <> NEW.status BEGIN
        UPDATE runs SET ${STATUSES.map((s) => `n_${s} = n_${s} + (NEW.status = '${s}') - (OLD.status = '${s}')`).join(', ')}
        WHERE id = NEW.run_id;
      END;

      CREATE TRIGGER items_count_delete AFTER DELETE ON items BEGIN
        UPDATE runs SET ${STATUSES.map((s) => `n_${s} = n_${s} - (OLD.status = '${s}')`).join(', ')}
        WHERE id = OLD.run_id;
      END;
    `);
  },
};
