// The contract's cache calls: the response cache's size, a page of its entries, clearing it. The
// store keeps times in ms and run ids as integers; the contract speaks ISO times and string ids.
import type { Handlers } from './core.ts';
import type { RunService } from './runs/service.ts';
import { isoOrNull } from './store/sql.ts';

const DAY_MS = 86_400_000;

export function cacheHandlers(runs: () => RunService): Pick<Handlers, 'cache:size' | 'cache:entries' | 'cache:clear'> {
  return {
    'cache:size': () => {
      const s = runs().cacheSize();
      return { entries: s.entries, bytes: s.bytes, costUsd: s.costUsd, oldestAt: isoOrNull(s.oldestAt), newestAt: isoOrNull(s.newestAt) };
    },
    'cache:entries': ({ offset, limit }) =>
      runs()
        .cacheEntries({ offset, limit })
        .map((e) => ({ ...e, runId: e.runId === null ? null : String(e.runId), createdAt: new Date(e.createdAt).toISOString() })),
    'cache:clear': ({ olderThanDays }) => ({
      cleared: runs().clearCache(olderThanDays === undefined ? {} : { before: Date.now() - olderThanDays * DAY_MS }),
    }),
  };
}
