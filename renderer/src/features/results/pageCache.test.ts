import { describe, expect, it } from 'vitest';
import type { ItemRow, ItemsQuery } from '../../../../shared/contract.ts';
import { PageCache } from './pageCache.ts';

function row(index: number, status: ItemRow['status'] = 'done'): ItemRow {
  return {
    index,
    input: [`r${index}`],
    output: null,
    status,
    error: null,
    turns: 1,
    promptTokens: 1,
    completionTokens: 1,
    costUsd: 0,
    latencyMs: 1,
  };
}

/** A fake items:page over `total` rows whose answers are released by hand. */
function fakeServer(total: number) {
  const calls: ItemsQuery[] = [];
  const waiting: Array<() => void> = [];
  let version = 0;
  const fetchPage = (q: ItemsQuery) => {
    calls.push(q);
    return new Promise<{ total: number; rows: ItemRow[] }>((resolve) => {
      waiting.push(() => {
        const rows: ItemRow[] = [];
        for (let i = q.offset; i < Math.min(total, q.offset + q.limit); i++) rows.push({ ...row(i), turns: version });
        resolve({ total, rows });
      });
    });
  };
  const flush = async () => {
    while (waiting.length) {
      waiting.splice(0).forEach((f) => f());
      await new Promise((r) => setTimeout(r, 0));
    }
  };
  return { calls, fetchPage, flush, bump: () => version++ };
}

describe('PageCache', () => {
  it('fetches only the pages on screen, never the whole run', async () => {
    const srv = fakeServer(100_000);
    const cache = new PageCache({ runId: 'r' }, srv.fetchPage, { pageSize: 100 });
    cache.ensure(0, 40);
    await srv.flush();
    expect(cache.total).toBe(100_000);
    expect(srv.calls.map((c) => [c.offset, c.limit])).toEqual([[0, 100]]);
    cache.ensure(50_050, 50_180);
    await srv.flush();
    expect(srv.calls.slice(1).map((c) => c.offset)).toEqual([50_000, 50_100]);
    expect(cache.row(50_150)?.index).toBe(50_150);
    expect(cache.row(30_000)).toBeUndefined();
  });

  it('asks once for a page while it is in flight, and keeps the query in every request', async () => {
    const srv = fakeServer(1000);
    const cache = new PageCache({ runId: 'r', status: 'failed', search: 'x', sort: { column: 'costUsd', desc: true } }, srv.fetchPage, {
      pageSize: 100,
    });
    cache.ensure(0, 10);
    cache.ensure(5, 20);
    cache.ensure(0, 50);
    expect(srv.calls).toHaveLength(1);
    expect(srv.calls[0]).toEqual({ runId: 'r', status: 'failed', search: 'x', sort: { column: 'costUsd', desc: true }, offset: 0, limit: 100 });
    await srv.flush();
  });

  it('evicts the least recently used pages beyond its cap, never those on screen', async () => {
    const srv = fakeServer(100_000);
    const cache = new PageCache({ runId: 'r' }, srv.fetchPage, { pageSize: 10, maxPages: 4 });
    for (let p = 0; p < 10; p++) {
      cache.ensure(p * 10, p * 10 + 9);
      await srv.flush();
    }
    expect(cache.loadedPages.length).toBeLessThanOrEqual(4);
    expect(cache.loadedPages).toContain(9);
  });

  it('refetches just the loaded pages holding changed rows, when rows cannot move', async () => {
    const srv = fakeServer(1000);
    const cache = new PageCache({ runId: 'r' }, srv.fetchPage, { pageSize: 100 });
    cache.ensure(0, 250);
    await srv.flush();
    expect(srv.calls).toHaveLength(3);
    srv.bump();
    cache.invalidate([150, 151, 900]);
    await srv.flush();
    expect(srv.calls.slice(3).map((c) => c.offset)).toEqual([100]);
    expect(cache.row(150)?.turns).toBe(1);
    expect(cache.row(50)?.turns).toBe(0);
  });

  it('refetches every page on screen under a filter, since rows may enter or leave it', async () => {
    const srv = fakeServer(1000);
    const cache = new PageCache({ runId: 'r', status: 'failed' }, srv.fetchPage, { pageSize: 100 });
    cache.ensure(0, 150);
    await srv.flush();
    cache.invalidate([999]);
    await srv.flush();
    expect(srv.calls.slice(2).map((c) => c.offset)).toEqual([0, 100]);
  });

  it('fetches a page again when it went stale while its answer was on the way', async () => {
    const srv = fakeServer(1000);
    const cache = new PageCache({ runId: 'r' }, srv.fetchPage, { pageSize: 100 });
    cache.ensure(0, 10);
    cache.invalidateAll();
    expect(srv.calls).toHaveLength(1);
    await srv.flush();
    expect(srv.calls).toHaveLength(2);
  });

  it('notifies subscribers and records errors without throwing', async () => {
    let fail = true;
    const cache = new PageCache({ runId: 'r' }, async (q) => {
      if (fail) throw new Error('gone');
      return { total: 1, rows: [row(q.offset)] };
    });
    let n = 0;
    cache.subscribe(() => n++);
    cache.ensure(0, 0);
    await new Promise((r) => setTimeout(r, 0));
    expect(cache.error).toBe('gone');
    fail = false;
    cache.ensure(0, 0);
    await new Promise((r) => setTimeout(r, 0));
    expect(cache.error).toBeNull();
    expect(cache.row(0)?.index).toBe(0);
    expect(n).toBe(2);
  });
});
