// How a run's values are spread, for the charts of the Results screen: the status breakdown, and per
// output field either a histogram (numbers) or the counts of its values (a few distinct strings or
// booleans, an enum). Free text gets no chart. Each is one or two GROUP BY queries in SQLite, so a run
// of a million rows is never read into JavaScript.
import type { FieldDistribution, ItemDistributions } from '../../../shared/contract.ts';
import type { ItemStatus } from '../../../shared/domain.ts';
import type { Db } from './db.ts';
import { stmt } from './sql.ts';

/** More distinct values than this and a string field is free text, not an enum. */
export const MAX_ENUM_VALUES = 12;
export const BINS = 10;

export function itemDistributions(db: Db, runId: number, outputColumns: readonly string[]): ItemDistributions {
  const status: ItemDistributions['status'] = { done: 0, failed: 0, pending: 0, running: 0, skipped: 0 };
  const counts = stmt<[number], { status: ItemStatus; n: number }>(db, `SELECT status, COUNT(*) AS n FROM items WHERE run_id = ? GROUP BY status`);
  for (const r of counts.all(runId)) status[r.status] = r.n;
  const fields: FieldDistribution[] = [];
  for (const name of outputColumns) {
    const d = fieldDistribution(db, runId, name);
    if (d) fields.push(d);
  }
  return { status, fields };
}

function fieldDistribution(db: Db, runId: number, field: string): FieldDistribution | null {
  const path = `$.${JSON.stringify(field)}`;
  const types = stmt<[string, number], { t: string | null; n: number }>(
    db,
    `SELECT json_type(output, ?) AS t, COUNT(*) AS n FROM items WHERE run_id = ? AND output IS NOT NULL GROUP BY t`,
  ).all(path, runId);
  let numbers = 0;
  let others = 0;
  for (const { t, n } of types) {
    if (t === 'integer' || t === 'real') numbers += n;
    else if (t !== null && t !== 'null') others += n;
  }
  if (numbers === 0 && others === 0) return null;
  // A field is numeric when most of its values are numbers (a stray string is not worth losing the histogram).
  if (numbers >= others) return numeric(db, runId, field, path);
  return enumOf(db, runId, field, path);
}

function numeric(db: Db, runId: number, field: string, path: string): FieldDistribution {
  const value = `(CASE WHEN json_type(output, ?) IN ('integer', 'real') THEN output ->> ? END)`;
  const range = stmt<[string, string, number], { lo: number; hi: number; n: number }>(
    db,
    `SELECT MIN(v) AS lo, MAX(v) AS hi, COUNT(v) AS n FROM (SELECT ${value} AS v FROM items WHERE run_id = ?)`,
  ).get(path, path, runId)!;
  const width = range.hi > range.lo ? (range.hi - range.lo) / BINS : 1;
  const bins = Array.from({ length: range.hi > range.lo ? BINS : 1 }, (_, k) => ({ from: range.lo + k * width, to: range.lo + (k + 1) * width, count: 0 }));
  const rows = stmt<[number, number, number, string, string, number], { bin: number; n: number }>(
    db,
    `SELECT MIN(CAST((v - ?) / ? AS INTEGER), ?) AS bin, COUNT(*) AS n
     FROM (SELECT ${value} AS v FROM items WHERE run_id = ?) WHERE v IS NOT NULL GROUP BY bin`,
  ).all(range.lo, width, bins.length - 1, path, path, runId);
  for (const r of rows) bins[r.bin].count = r.n;
  return { kind: 'numeric', field, count: range.n, min: range.lo, max: range.hi, bins };
}

function enumOf(db: Db, runId: number, field: string, path: string): FieldDistribution | null {
  const value = `(CASE json_type(output, ?) WHEN 'true' THEN 'true' WHEN 'false' THEN 'false' WHEN 'null' THEN NULL ELSE CAST(output ->> ? AS TEXT) END)`;
  // DISTINCT with a LIMIT stops at the first few distinct values: free text is told apart without grouping all of it.
  const distinct = stmt<[string, string, number, number], number>(
    db,
    `SELECT COUNT(*) FROM (SELECT DISTINCT ${value} AS v FROM items WHERE run_id = ? AND output IS NOT NULL AND v IS NOT NULL LIMIT ?)`,
  )
    .pluck()
    .get(path, path, runId, MAX_ENUM_VALUES + 1)!;
  if (distinct > MAX_ENUM_VALUES) return null;
  const values = stmt<[string, string, number], { v: string; n: number }>(
    db,
    `SELECT ${value} AS v, COUNT(*) AS n FROM items WHERE run_id = ? AND output IS NOT NULL AND v IS NOT NULL GROUP BY v ORDER BY n DESC, v`,
  ).all(path, path, runId);
  return { kind: 'enum', field, count: values.reduce((a, r) => a + r.n, 0), values: values.map((r) => ({ value: r.v, count: r.n })) };
}
