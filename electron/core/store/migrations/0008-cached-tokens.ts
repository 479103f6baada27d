// The prompt tokens a provider reported as cached (a prefix it had seen, billed at its cached-input
// rate), per call in the ledger and summed per item and per run like the other token counts.
import type { Migration } from './index.ts';

export const m0008CachedTokens: Migration = {
  version: 8,
  name: 'cached-tokens',
  up(db) {
    db.exec(`
      ALTER TABLE calls ADD COLUMN cached_tokens INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE items ADD COLUMN cached_tokens INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE runs ADD COLUMN cached_tokens INTEGER NOT NULL DEFAULT 0;
    `);
  },
};
