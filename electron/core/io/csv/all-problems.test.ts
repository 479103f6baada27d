// A bad CSV reports its problems at once: ragged rows and a quote never closed come in one error,
// with their lines, and that error does not offer padding, which could not fix it.
import { describe, expect, it } from 'vitest';
import { csvError, file, withCsvDir } from './testing/read.ts';

withCsvDir();

describe('every problem of a file at once', () => {
  it('names the ragged rows and the unclosed quote after them, each with its line', async () => {
    const err = await csvError(await file('a,b\n1,2\n3\n4,5,6\n7,"never closed\n8,9\n'));
    expect(err.message).toBe(
      'The file has 2 problems. 2 rows have a number of fields that differs from the header\'s 2: line 3 has 1, line 4 has 3. ' +
        'And: Line 5, column 2 ("b"): a quote opens here and is never closed. Fix the file and import it again.',
    );
    // Not 'ragged': padding short rows would leave the quote, so the app offers no padding.
    expect(err.code).toBe('unclosed-quote');
    expect(err.line).toBe(3);
  });

  it('keeps ragged rows alone as ragged, with the offer to pad or skip', async () => {
    const err = await csvError(await file('a,b\n1,2\n3\n4,5,6\n'));
    expect(err.code).toBe('ragged');
    expect(err.message).toContain('pad short rows or skip such rows');
  });

  it('under pad, reports the quote alone once the rows are padded', async () => {
    const err = await csvError(await file('a,b\n1\n2,"open\n'), { ragged: 'pad' });
    expect(err.code).toBe('unclosed-quote');
    expect(err.message).toMatch(/^Line 3, column 2/);
  });
});
