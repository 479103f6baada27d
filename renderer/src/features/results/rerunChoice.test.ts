import { describe, expect, it } from 'vitest';
import { rerunChoiceOf } from './rerunChoice.ts';

describe('rerunChoiceOf', () => {
  it('sends the checked rows as item indexes, in row order and once each', () => {
    expect(rerunChoiceOf('selected', '', 10, [7, 2, 7, 0], false)).toEqual({ rows: [0, 2, 7], noCache: false });
  });

  it('refuses an empty selection, and drops indexes the run does not have', () => {
    expect(() => rerunChoiceOf('selected', '', 10, [], false)).toThrow(/no row/);
    expect(rerunChoiceOf('selected', '', 3, [1, 5], true)).toEqual({ rows: [1], noCache: true });
  });

  it('still takes typed rows (from 1) and the filter', () => {
    expect(rerunChoiceOf('rows', '1,3-4', 5, [0], false)).toEqual({ rows: [0, 2, 3], noCache: false });
    expect(rerunChoiceOf('filter', '', 5, [], true)).toEqual({ filter: true, noCache: true });
    expect(() => rerunChoiceOf('rows', '9', 5, [], false)).toThrow(/out of range/);
  });
});
