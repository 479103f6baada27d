// A reviewer's marks on a run's rows (migration 0010): 👍 / 👎 and a note, set one row at a time.
import type { ItemRating } from '../../../shared/contract.ts';
import type { Db } from './db.ts';
import { stmt } from './sql.ts';

/** The rating as stored (1, -1) read back as the contract's word. */
export function ratingOf(stored: number | null | undefined): ItemRating | null {
  return stored === 1 ? 'up' : stored === -1 ? 'down' : null;
}

/**
 * Sets a row's mark; a rating and note both null (or an empty note) clear it. Returns false when the
 * run has no such item.
 */
export function setMark(db: Db, runId: number, index: number, rating: ItemRating | null, note: string | null): boolean {
  const text = note?.trim() ? note : null;
  return db.transaction(() => {
    const exists = stmt<[number, number], number>(db, `SELECT 1 FROM items WHERE run_id = ? AND row_index = ?`).pluck().get(runId, index);
    if (!exists) return false;
    if (rating === null && text === null) {
      stmt(db, `DELETE FROM item_marks WHERE run_id = ? AND row_index = ?`).run(runId, index);
    } else {
      stmt(
        db,
        `INSERT INTO item_marks (run_id, row_index, rating, note) VALUES (?, ?, ?, ?)
         ON CONFLICT (run_id, row_index) DO UPDATE SET rating = excluded.rating, note = excluded.note`,
      ).run(runId, index, rating === 'up' ? 1 : rating === 'down' ? -1 : null, text);
    }
    return true;
  }).immediate();
}
