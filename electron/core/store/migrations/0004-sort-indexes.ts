// Indexes that serve the results table's sorts by cost and by latency, row order breaking ties. The
// first ones, (run_id, cost_usd), could not give the tie order, so every page of a sorted 100,000-item
// table sorted the whole run again (half a second a page).
import type { Migration } from './index.ts';

export const m0004SortIndexes: Migration = {
  version: 4,
  name: 'sort-indexes',
  up(db) {
    db.exec(`
      DROP INDEX items_cost;
      DROP INDEX items_latency;
      CREATE INDEX items_cost    ON items(run_id, cost_usd, row_index);
      CREATE INDEX items_latency ON items(run_id, latency_ms, row_index);
    `);
  },
};
