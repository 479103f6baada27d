// The ordered list of schema migrations. Append only: a shipped migration is never edited, since a
// database that already ran it would never see the change. Each `version` is the PRAGMA user_version
// a database has once that migration ran.
import type Database from 'better-sqlite3';
import { m0001Initial } from './0001-initial.ts';
import { m0002RunCounts } from './0002-run-counts.ts';
import { m0003NarrowRunCounts } from './0003-narrow-run-counts.ts';
import { m0004SortIndexes } from './0004-sort-indexes.ts';
import { m0005RunEndpoint } from './0005-run-endpoint.ts';
import { m0006ResponseCache } from './0006-response-cache.ts';
import { m0007EarlierAttempts } from './0007-earlier-attempts.ts';
import { m0008CachedTokens } from './0008-cached-tokens.ts';

export interface Migration {
  version: number;
  name: string;
  up(db: Database.Database): void;
}

export const MIGRATIONS: readonly Migration[] = [
  m0001Initial,
  m0002RunCounts,
  m0003NarrowRunCounts,
  m0004SortIndexes,
  m0005RunEndpoint,
  m0006ResponseCache,
  m0007EarlierAttempts,
  m0008CachedTokens,
];
