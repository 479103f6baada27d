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
  for (const [k, shape] of fieldShapes(db, runId, outputColumns).entries()) {
    const field = outputColumns[k];
    const path = `$.${JSON.stringify(field)}`;
    if (shape.numbers === 0 && shape.others === 0) continue;
    // A field is numeric when most of its values are numbers (a stray string is not worth losing the histogram).
    const d = shape.numbers >= shape.others ? numeric(db, runId, field, path, shape) : enumOf(db, runId, field, path);
    if (d) fields.push(d);
  }
  return { status, fields };
}

interface Shape {
  numbers: number;
  others: number;
  lo: number | null;
  hi: number | null;
}

/**
 * For every field at once, in one pass over the run's outputs (SQLite parses each row's JSON once for
 * all of them): how many values are numbers and how many are something else, and the numbers' range.
 */
function fieldShapes(db: Db, runId: number, fields: readonly string[]): Shape[] {
  if (!fields.length) return [];
  const parts: string[] = [];
  const params: string[] = [];
  fields.forEach((f, k) => {
    const path = `$.${JSON.stringify(f)}`;
    const t = `json_type(output, ?)`;
    const num = `(CASE WHEN ${t} IN ('integer', 'real') THEN output ->> ? END)`;
    parts.push(
      `SUM(${t} IN ('integer', 'real')) AS n${k}`,
      `SUM(${t} NOT IN ('integer', 'real', 'null')) AS o${k}`,
      `MIN(${num}) AS lo${k}`,
      `MAX(${num}) AS hi${k}`,
    );
    params.push(path, path, path, path, path, path);
  });
  const r = db.prepare(`SELECT ${parts.join(', ')} FROM items WHERE run_id = ? AND output IS NOT NULL`).get(...params, runId) as Record<string, number | null>;
  return fields.map((_, k) => ({ numbers: r[`n${k}`] ?? 0, others: r[`o${k}`] ?? 0, lo: r[`lo${k}`], hi: r[`hi${k}`] }));
}

function numeric(db: Db, runId: number, field: string, path: string, shape: Shape): FieldDistribution {
  const lo = shape.lo ?? 0;
  const hi = shape.hi ?? 0;
  const value = `(CASE WHEN json_type(output, ?) IN ('integer', 'real') THEN output ->> ? END)`;
  const width = hi > lo ? (hi - lo) / BINS : 1;
  const bins = Array.from({ length: hi > lo ? BINS : 1 }, (_, k) => ({ from: lo + k * width, to: lo + (k + 1) * width, count: 0 }));
  const rows = stmt<[number, number, number, string, string, number], { bin: number; n: number }>(
    db,
    `SELECT MIN(CAST((v - ?) / ? AS INTEGER), ?) AS bin, COUNT(*) AS n
     FROM (SELECT ${value} AS v FROM items WHERE run_id = ? AND output IS NOT NULL) WHERE v IS NOT NULL GROUP BY bin`,
  ).all(lo, width, bins.length - 1, path, path, runId);
  for (const r of rows) bins[r.bin].count = r.n;
  return { kind: 'numeric', field, count: shape.numbers, min: lo, max: hi, bins };
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
