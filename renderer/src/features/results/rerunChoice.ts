// What "Re-run rows…" sends again: the rows typed (numbered from 1, as the # column shows them), the
// rows checked in the grid, or the rows the filter shows.
import { parseRowsSpec } from '../../../../shared/attempts.ts';
import type { RerunChoice } from '../../store/iterate.ts';

export type RerunWhich = 'rows' | 'selected' | 'filter';

/** The choice to send; throws with a sentence when the typed rows or the selection cannot be sent. */
export function rerunChoiceOf(which: RerunWhich, spec: string, items: number, selected: readonly number[], noCache: boolean): RerunChoice {
  if (which === 'filter') return { filter: true, noCache };
  if (which === 'rows') return { rows: parseRowsSpec(spec, items), noCache };
  const rows = [...new Set(selected)].filter((i) => i >= 0 && i < items).sort((a, b) => a - b);
  if (rows.length === 0) throw new Error('no row of this run is checked');
  return { rows, noCache };
}
