import { expect, it } from 'vitest';
import { PREVIEW_CHARS, previewText } from './preview-text.ts';

it('shows a short value whole and a 5 MB value by its start, saying how much more it holds', () => {
  expect(previewText('a short cell')).toEqual({ shown: 'a short cell', more: 0 });
  const huge = 'x'.repeat(5_000_000);
  const p = previewText(huge);
  expect(p.shown.length).toBe(PREVIEW_CHARS);
  expect(p.more).toBe(5_000_000 - PREVIEW_CHARS);
});

it('never cuts a character in two', () => {
  const text = `${'a'.repeat(PREVIEW_CHARS - 1)}😀 and more`;
  const p = previewText(text);
  expect(p.shown).toBe('a'.repeat(PREVIEW_CHARS - 1));
  expect(p.shown.length + p.more).toBe(text.length);
});
