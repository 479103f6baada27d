// The endpoint a run was started with (kind and base URL as JSON, never a key), so that continuing a
// run after a restart talks to the same server. It lived in a file beside the database before; a
// column keeps it with the run, in the same transactions, and gone with the run when it is deleted.
import type { Migration } from './index.ts';

export const m0005RunEndpoint: Migration = {
  version: 5,
  name: 'run-endpoint',
  up(db) {
    db.exec(`ALTER TABLE runs ADD COLUMN endpoint TEXT`);
  },
};
