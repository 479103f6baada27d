// A prompt template as an SQL expression over a dataset row's `vals` (a JSON array of strings), so
// that SQLite renders every item's prompt as it creates a run: the same text compileTemplate gives
// (shared/template.ts), a column's value or '' where the row has none.
import { parseTemplate } from '../../../shared/template.ts';
import type { SqlExpression } from '../store/items.ts';

/** `columns` is the dataset's header; every column the template names must be in it (createRun checks). */
export function promptSql(template: string, columns: readonly string[]): SqlExpression {
  const terms: string[] = [];
  const params: string[] = [];
  for (const part of parseTemplate(template)) {
    if ('text' in part) {
      terms.push('?');
      params.push(part.text);
      continue;
    }
    const at = columns.indexOf(part.column);
    if (at < 0) throw new Error(`the prompt names a column the dataset lacks: ${part.column}`);
    terms.push(`coalesce(vals ->> '$[${at}]', '')`);
  }
  return { sql: terms.length === 0 ? `''` : `(${terms.join(' || ')})`, params };
}
