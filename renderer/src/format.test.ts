import { expect, it } from 'vitest';
import { fmtCost } from './format.ts';

it('shows dollars rounded to whole micro-dollars: no float noise', () => {
  expect(fmtCost(0.000022349999999999998)).toBe('$0.000022');
  expect(fmtCost(0.1 + 0.2)).toBe('$0.30');
  expect(fmtCost(0.0000004)).toBe('$0.00');
  expect(fmtCost(0.0049)).toBe('$0.0049');
  expect(fmtCost(null)).toBe('—');
});
