import { describe, expect, it } from 'vitest';
import { runStatusView } from './status.ts';

const totals = (done: number, failed: number, skipped = 0) => ({ done, failed, skipped });

describe('runStatusView', () => {
  it('shows a run whose every row failed as failed, in red', () => {
    expect(runStatusView('completed', totals(0, 3))).toEqual({ label: 'Failed: all 3 rows', tone: 'bad' });
    expect(runStatusView('completed', totals(0, 1))).toEqual({ label: 'Failed', tone: 'bad' });
    expect(runStatusView('completed', totals(0, 1200))).toEqual({ label: 'Failed: all 1,200 rows', tone: 'bad' });
  });

  it('shows a completed run with failed or skipped rows in amber, with the counts', () => {
    expect(runStatusView('completed', totals(7, 3))).toEqual({ label: 'Completed, 3 failed', tone: 'warn' });
    expect(runStatusView('completed', totals(7, 0, 2))).toEqual({ label: 'Completed, 2 skipped', tone: 'warn' });
    expect(runStatusView('completed', totals(5, 1, 4))).toEqual({ label: 'Completed, 1 failed, 4 skipped', tone: 'warn' });
  });

  it('keeps green for a run whose every row is done', () => {
    expect(runStatusView('completed', totals(10, 0))).toEqual({ label: 'Completed', tone: 'ok' });
  });

  it('never shows a stopped, cancelled or interrupted run green', () => {
    for (const status of ['stopped-error', 'stopped-budget', 'cancelled', 'interrupted', 'paused'] as const) {
      expect(runStatusView(status, totals(10, 0)).tone, status).not.toBe('ok');
    }
    expect(runStatusView('stopped-error', totals(0, 5))).toEqual({ label: 'Stopped on an error', tone: 'bad' });
    expect(runStatusView('running', totals(0, 0))).toEqual({ label: 'Running', tone: 'active' });
  });
});
