// How a run's status reads and what colour it wears, everywhere it is shown (Run screen, Runs list,
// Results). "completed" only says the batch reached its end: a run whose every row failed is a
// failure, and one with failed or set-aside rows is not plainly green.
import type { RunTotals } from '../../../../shared/contract.ts';
import type { RunStatus } from '../../../../shared/domain.ts';
import { fmtInt } from '../../format.ts';

export type StatusTone = 'ok' | 'warn' | 'bad' | 'active' | 'neutral';

export interface RunStatusView {
  label: string;
  tone: StatusTone;
}

const PLAIN: Record<Exclude<RunStatus, 'completed'>, RunStatusView> = {
  pending: { label: 'Pending', tone: 'neutral' },
  running: { label: 'Running', tone: 'active' },
  paused: { label: 'Paused', tone: 'warn' },
  'stopped-error': { label: 'Stopped on an error', tone: 'bad' },
  'stopped-budget': { label: 'Stopped by the budget', tone: 'warn' },
  cancelled: { label: 'Cancelled', tone: 'warn' },
  interrupted: { label: 'Interrupted', tone: 'bad' },
};

export function runStatusView(status: RunStatus, totals: Pick<RunTotals, 'done' | 'failed' | 'skipped'>): RunStatusView {
  if (status !== 'completed') return PLAIN[status];
  const { done, failed, skipped } = totals;
  if (done === 0 && failed > 0) return { label: failed === 1 ? 'Failed' : `Failed: all ${fmtInt(failed)} rows`, tone: 'bad' };
  const notes = [failed > 0 ? `${fmtInt(failed)} failed` : '', skipped > 0 ? `${fmtInt(skipped)} skipped` : ''].filter(Boolean);
  if (notes.length) return { label: `Completed, ${notes.join(', ')}`, tone: 'warn' };
  return { label: 'Completed', tone: 'ok' };
}
