// Checks of a run's stored state for tests: the file is sound and nothing is half-written.
import Database from 'better-sqlite3';
import { expect } from 'vitest';

export function withReadonlyDb<T>(dbPath: string, read: (db: Database.Database) => T): T {
  const db = new Database(dbPath, { readonly: true });
  try {
    return read(db);
  } finally {
    db.close();
  }
}

/**
 * PRAGMA integrity_check is ok; the run's counts equal its items' statuses; its totals equal the
 * sums over its items and over its calls ledger; every done item has its output and transcript.
 */
export function checkStore(dbPath: string, runId: number): void {
  withReadonlyDb(dbPath, (db) => {
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    const counts = db.prepare(`SELECT pending, running, done, failed, skipped FROM run_counts WHERE run_id = ?`).get(runId) as Record<string, number>;
    const truth: Record<string, number> = { pending: 0, running: 0, done: 0, failed: 0, skipped: 0 };
    for (const r of db.prepare(`SELECT status, COUNT(*) AS n FROM items WHERE run_id = ? GROUP BY status`).all(runId) as { status: string; n: number }[]) {
      truth[r.status] = r.n;
    }
    expect(counts).toEqual(truth);
    const run = db.prepare(`SELECT prompt_tokens AS p, completion_tokens AS c, call_count AS n FROM runs WHERE id = ?`).get(runId);
    const ledger = db
      .prepare(`SELECT COALESCE(SUM(prompt_tokens), 0) AS p, COALESCE(SUM(completion_tokens), 0) AS c, COUNT(*) AS n FROM calls WHERE run_id = ?`)
      .get(runId) as { p: number; c: number; n: number };
    const items = db.prepare(`SELECT COALESCE(SUM(prompt_tokens), 0) AS p, COALESCE(SUM(completion_tokens), 0) AS c FROM items WHERE run_id = ?`).get(runId);
    expect(run).toEqual(ledger);
    expect(items).toEqual({ p: ledger.p, c: ledger.c });
    const half = db
      .prepare(
        `SELECT COUNT(*) FROM items i LEFT JOIN transcripts t USING (run_id, row_index)
         WHERE i.run_id = ? AND i.status = 'done' AND (i.output IS NULL OR t.messages IS NULL)`,
      )
      .pluck()
      .get(runId);
    expect(half, 'done items without their output or transcript').toBe(0);
  });
}
