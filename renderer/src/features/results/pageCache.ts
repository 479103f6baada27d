// The results table's rows, fetched a page at a time around what is on screen and cached, so a run of
// 100,000 rows is never loaded whole. One cache per query (run, status filter, search, sort): a new
// query makes a new cache. Changed rows (run:items events) mark the pages holding them stale; stale
// pages on screen are fetched again, at most one fetch per page at a time. DOM-free: tested in Node.
import type { ItemRow, ItemsQuery } from '../../../../shared/contract.ts';

export const PAGE_SIZE = 200;

export type QueryKey = Omit<ItemsQuery, 'offset' | 'limit'>;

export type FetchPage = (query: ItemsQuery) => Promise<{ total: number; rows: ItemRow[] }>;

interface Page {
  rows: ItemRow[];
  stale: boolean;
  used: number;
}

export interface PageCacheOptions {
  pageSize?: number;
  /** Most pages kept; the least recently used go first (never one on screen). */
  maxPages?: number;
  onError?: (error: unknown) => void;
}

export class PageCache {
  readonly query: QueryKey;
  readonly pageSize: number;
  private readonly fetchPage: FetchPage;
  private readonly maxPages: number;
  private readonly onError: (error: unknown) => void;
  private readonly pages = new Map<number, Page>();
  private readonly inFlight = new Set<number>();
  /** Pages that went stale while being fetched: fetched again when the answer is in. */
  private readonly refetch = new Set<number>();
  private readonly listeners = new Set<() => void>();
  private visible: [number, number] = [0, -1];
  private tick = 0;
  private disposed = false;
  /** Rows in the query's result, null until the first page is in. */
  total: number | null = null;
  /** Bumped on every change, for useSyncExternalStore. */
  version = 0;
  error: string | null = null;

  constructor(query: QueryKey, fetchPage: FetchPage, options: PageCacheOptions = {}) {
    this.query = query;
    this.fetchPage = fetchPage;
    this.pageSize = options.pageSize ?? PAGE_SIZE;
    this.maxPages = Math.max(4, options.maxPages ?? 60);
    this.onError = options.onError ?? (() => {});
  }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  };

  getVersion = (): number => this.version;

  /** The row at a position of the result (0-based), if its page is in. */
  row(position: number): ItemRow | undefined {
    const page = this.pages.get(Math.floor(position / this.pageSize));
    return page?.rows[position % this.pageSize];
  }

  /** Whether the page of a position is being fetched or has been. */
  isLoading(position: number): boolean {
    return this.inFlight.has(Math.floor(position / this.pageSize));
  }

  get loadedPages(): number[] {
    return [...this.pages.keys()].sort((a, b) => a - b);
  }

  /** Says which positions are on screen (inclusive) and fetches the pages they need. */
  ensure(first: number, last: number): void {
    if (this.disposed) return;
    this.visible = [Math.max(0, first), Math.max(first, last)];
    for (const p of this.visiblePages()) {
      const page = this.pages.get(p);
      if (page) page.used = ++this.tick;
      if (!page || page.stale) this.load(p);
    }
  }

  /**
   * Rows whose state changed. Without a status filter, a search or a sort other than the index, a
   * changed row stays where it is, so only the pages holding it go stale; otherwise rows may move in
   * or out of the result, so every page does (and the total may change).
   */
  invalidate(indexes: readonly number[]): void {
    if (this.disposed) return;
    const stable = !this.query.status && !this.query.search && (!this.query.sort || this.query.sort.column === 'index');
    if (!stable) {
      this.invalidateAll();
      return;
    }
    const changed = new Set(indexes);
    let any = false;
    for (const [p, page] of this.pages) {
      if (page.rows.some((r) => changed.has(r.index))) {
        page.stale = true;
        any = true;
        if (this.inFlight.has(p)) this.refetch.add(p);
      }
    }
    // A row past the last loaded one may mean the total grew (a trial that became a full run, say).
    if (!any && this.total !== null && indexes.some((i) => i >= this.total!)) return this.invalidateAll();
    if (any) this.ensure(...this.visible);
  }

  /** Everything may have changed (a reconnect, a retry, a finished run): fetch what is on screen again. */
  invalidateAll(): void {
    if (this.disposed) return;
    for (const [p, page] of this.pages) {
      page.stale = true;
      if (this.inFlight.has(p)) this.refetch.add(p);
    }
    for (const p of this.inFlight) this.refetch.add(p);
    if (this.pages.size === 0 && this.inFlight.size === 0) {
      this.load(0);
      return;
    }
    this.ensure(...this.visible);
  }

  dispose(): void {
    this.disposed = true;
    this.listeners.clear();
  }

  private visiblePages(): number[] {
    const [first, last] = this.visible;
    if (last < first) return [0];
    const max = this.total === null ? Infinity : Math.max(0, Math.ceil(this.total / this.pageSize) - 1);
    const out: number[] = [];
    for (let p = Math.floor(first / this.pageSize); p <= Math.min(Math.floor(last / this.pageSize), max); p++) out.push(p);
    return out.length ? out : [0];
  }

  private load(p: number): void {
    if (this.inFlight.has(p)) return;
    this.inFlight.add(p);
    this.refetch.delete(p);
    this.fetchPage({ ...this.query, offset: p * this.pageSize, limit: this.pageSize }).then(
      (res) => {
        this.inFlight.delete(p);
        if (this.disposed) return;
        this.error = null;
        const totalChanged = this.total !== res.total;
        this.total = res.total;
        this.pages.set(p, { rows: res.rows, stale: false, used: ++this.tick });
        if (totalChanged) {
          // Pages past the new end are gone.
          const lastPage = Math.max(0, Math.ceil(res.total / this.pageSize) - 1);
          for (const q of [...this.pages.keys()]) if (q > lastPage) this.pages.delete(q);
        }
        this.evict();
        this.changed();
        if (this.refetch.has(p)) {
          this.refetch.delete(p);
          const page = this.pages.get(p);
          if (page) page.stale = true;
          if (this.visiblePages().includes(p)) this.load(p);
        } else if (totalChanged) {
          this.ensure(...this.visible);
        }
      },
      (error: unknown) => {
        this.inFlight.delete(p);
        this.refetch.delete(p);
        if (this.disposed) return;
        this.error = error instanceof Error ? error.message : String((error as { message?: unknown })?.message ?? error);
        this.onError(error);
        this.changed();
      },
    );
  }

  private evict(): void {
    if (this.pages.size <= this.maxPages) return;
    const onScreen = new Set(this.visiblePages());
    const byAge = [...this.pages.entries()].filter(([p]) => !onScreen.has(p)).sort((a, b) => a[1].used - b[1].used);
    while (this.pages.size > this.maxPages && byAge.length) this.pages.delete(byAge.shift()![0]);
  }

  private changed(): void {
    this.version++;
    for (const l of [...this.listeners]) l();
  }
}
