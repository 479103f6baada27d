// The results grid's per-column filters as SQL: each filter a condition on the items query (see
// itemsPage), with its parameters. Everything runs in SQLite, so a run of a million rows is filtered
// without reading it into JavaScript.
import type { ItemFilter } from '../../../shared/contract.ts';

/** What a filter compiles to: conditions ANDed into the WHERE clause, and whether they read the dataset row (d). */
export interface FilterSql {
  where: string[];
  params: unknown[];
  needRows: boolean;
}

/** Measures of an item a filter may read ('meta' columns), by their contract names. */
const META: Record<string, string> = {
  costUsd: 'i.cost_usd',
  latencyMs: 'i.latency_ms',
  turns: 'i.turns',
  promptTokens: 'i.prompt_tokens',
  completionTokens: 'i.completion_tokens',
  attempts: 'i.attempts',
};

export class FilterError extends Error {}

export function likePattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

interface Columns {
  runId: number;
  inputColumns: readonly string[];
  outputColumns: readonly string[];
}

type ColumnRef = Extract<ItemFilter, { column: unknown }>['column'];

/** A column's value as SQL text (for 'contains') and as a number or NULL (for ranges). */
function columnSql(c: ColumnRef, cols: Columns): { text: string; number: string; params: unknown[]; needRows: boolean } {
  if (c.source === 'input') {
    const at = cols.inputColumns.indexOf(c.name);
    if (at < 0) throw new FilterError(`The filter names an input column "${c.name}" the dataset does not have.`);
    const v = `(d.vals ->> '$[${at}]')`;
    // A CSV cell is text: it counts as a number when it parses as a JSON number ("0.5", "12", "-3e2").
    // CASE keeps json_type from ever seeing text that is not JSON (it would raise).
    return {
      text: v,
      number: `(CASE WHEN json_valid(${v}) THEN CASE WHEN json_type(${v}) IN ('integer', 'real') THEN ${v} + 0 END END)`,
      params: [],
      needRows: true,
    };
  }
  if (c.source === 'output') {
    if (!cols.outputColumns.includes(c.name)) throw new FilterError(`The filter names an output field "${c.name}" the run does not have.`);
    const path = `$.${JSON.stringify(c.name)}`;
    return {
      text: `(i.output ->> ?)`,
      number: `(CASE WHEN json_type(i.output, ?) IN ('integer', 'real') THEN i.output ->> ? END)`,
      params: [path],
      needRows: false,
    };
  }
  const expr = META[c.name];
  if (!expr) throw new FilterError(`The filter names "${c.name}", which is not a measure of an item (${Object.keys(META).join(', ')}).`);
  return { text: `CAST(${expr} AS TEXT)`, number: expr, params: [], needRows: false };
}

const STATUS_FILTER = `i.status IN (SELECT value FROM json_each(?))`;
// The marked rows are few: an uncorrelated IN list (the run's marks, read once through their index)
// lets SQLite look those items up by key instead of probing the marks for every item.
const MARK: Record<Extract<ItemFilter, { kind: 'mark' }>['is'], string> = {
  up: `i.row_index IN (SELECT row_index FROM item_marks WHERE run_id = ? AND rating = 1)`,
  down: `i.row_index IN (SELECT row_index FROM item_marks WHERE run_id = ? AND rating = -1)`,
  unrated: `i.row_index NOT IN (SELECT row_index FROM item_marks WHERE run_id = ? AND rating IS NOT NULL)`,
  noted: `i.row_index IN (SELECT row_index FROM item_marks WHERE run_id = ? AND note IS NOT NULL AND note <> '')`,
};

// As the export's _cached: the item has calls and every one was answered from the response cache. The
// run's calls are read once through their (run_id, row_index) index.
const CACHED = `i.row_index IN (SELECT row_index FROM calls WHERE run_id = ? GROUP BY row_index HAVING MIN(from_cache) = 1)`;

/** The SQL of a query's filters; throws FilterError naming a column the run does not have. */
export function filterSql(filters: readonly ItemFilter[], cols: Columns): FilterSql {
  const out: FilterSql = { where: [], params: [], needRows: false };
  for (const f of filters) {
    if (f.kind === 'status') {
      out.where.push(STATUS_FILTER);
      out.params.push(JSON.stringify(f.in));
    } else if (f.kind === 'mark') {
      out.where.push(MARK[f.is]);
      out.params.push(cols.runId);
    } else if (f.kind === 'cached') {
      out.where.push(CACHED);
      out.params.push(cols.runId);
    } else if (f.kind === 'text') {
      const c = columnSql(f.column, cols);
      out.where.push(`${c.text} LIKE ? ESCAPE '\\'`);
      out.params.push(...c.params, likePattern(f.contains));
      out.needRows ||= c.needRows;
    } else {
      const c = columnSql(f.column, cols);
      const bounds: [string, number | undefined][] = [
        ['>', f.gt],
        ['>=', f.gte],
        ['<', f.lt],
        ['<=', f.lte],
      ];
      for (const [op, value] of bounds) {
        if (value === undefined) continue;
        out.where.push(`${c.number} ${op} ?`);
        // An output field's path appears twice in its number expression.
        out.params.push(...c.params, ...c.params, value);
      }
      out.needRows ||= c.needRows;
    }
  }
  return out;
}
