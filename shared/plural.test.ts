import { expect, it } from 'vitest';
import { count } from './plural.ts';

it('says "1 row" and "2 rows", with thousands separators', () => {
  expect(count(1, 'row')).toBe('1 row');
  expect(count(0, 'row')).toBe('0 rows');
  expect(count(2000, 'row')).toBe('2,000 rows');
  expect(count(1, 'entry', 'entries')).toBe('1 entry');
  expect(count(3, 'entry', 'entries')).toBe('3 entries');
});
