// The reader against hostile input (huge fields, many columns, deep quoting) and on large files: it
// streams with flat memory and yields to the event loop.
import { describe, expect, it } from 'vitest';
import { stat } from 'node:fs/promises';
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { join } from 'node:path';
import v8 from 'node:v8';
import vm from 'node:vm';
import { previewCsv, readCsv } from './index.ts';
import { csvError, dir, file, withCsvDir } from './testing/read.ts';

withCsvDir();

describe('hostile input', () => {
  async function bigFile(name: string, write: (put: (s: string) => Promise<void>) => Promise<void>): Promise<string> {
    const path = join(dir, name);
    const out = createWriteStream(path);
    await write(async (s) => {
      if (!out.write(s)) await once(out, 'drain');
    });
    out.end();
    await once(out, 'close');
    return path;
  }

  it('a flood of blank lines streams in bounded memory and keeps line numbers right', async () => {
    const megabytes = 32;
    const path = await bigFile('newlines.csv', async (put) => {
      const chunk = '\n'.repeat(1024 * 1024);
      for (let i = 0; i < megabytes / 2; i++) await put(chunk);
      await put('a,b\n');
      for (let i = 0; i < megabytes / 4; i++) await put(chunk.replaceAll('\n', '\r\n'));
      await put('1,2\n3\n');
    });
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    gc();
    const used = () => process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;
    const base = used();
    let peak = 0;
    const sampler = setInterval(() => {
      gc();
      peak = Math.max(peak, used() - base);
    }, 50);
    try {
      const err = await csvError(path);
      expect(err.code).toBe('ragged');
      const headerLine = (megabytes / 2) * 1024 * 1024 + 1;
      expect(err.line).toBe(headerLine + (megabytes / 4) * 1024 * 1024 + 2);
    } finally {
      clearInterval(sampler);
    }
    expect(peak).toBeLessThan(16 * 1024 * 1024);
    // Only blank lines: empty.
    const blank = await bigFile('only-newlines.csv', async (put) => {
      for (let i = 0; i < 8; i++) await put('\r\n'.repeat(512 * 1024));
    });
    expect((await csvError(blank)).code).toBe('empty');
  });

  it('a quote opened early in a large file stops at the size limit with a hint', async () => {
    const path = await bigFile('open-quote.csv', async (put) => {
      await put('a,b\n1,"oops\n');
      const chunk = 'lots of text, with commas\n'.repeat(10_000);
      for (let i = 0; i < 20; i++) await put(chunk);
    });
    const err = await csvError(path, { maxFieldBytes: 1024 * 1024 });
    expect(err.code).toBe('field-too-large');
    expect(err.line).toBe(2);
    expect(err.column).toBe(2);
    expect(err.message).toContain('never closed');
  });

  it('an endless line of delimiters is refused without building the record', async () => {
    const path = await bigFile('commas.csv', async (put) => {
      await put('a,b\n');
      const chunk = ','.repeat(1024 * 1024);
      for (let i = 0; i < 30; i++) await put(chunk);
    });
    const before = process.memoryUsage().heapUsed;
    const err = await csvError(path);
    expect(err.code).toBe('too-many-columns');
    expect(err.line).toBe(2);
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(100 * 1024 * 1024);
  });
});

describe('streaming', () => {
  it('awaits onRows before reading on, in order', async () => {
    const content = 'n\n' + Array.from({ length: 5500 }, (_, i) => String(i)).join('\n');
    const seen: string[] = [];
    let inFlight = 0;
    const result = await readCsv(
      await file(content),
      () => {},
      async (rows) => {
        expect(inFlight).toBe(0);
        inFlight++;
        await new Promise((r) => setTimeout(r, 2));
        seen.push(...rows.map((r) => r[0]));
        inFlight--;
      },
    );
    expect(result.rowCount).toBe(5500);
    expect(seen).toEqual(Array.from({ length: 5500 }, (_, i) => String(i)));
  });

  it('stops when onRows throws', async () => {
    const content = 'n\n' + Array.from({ length: 5000 }, (_, i) => String(i)).join('\n');
    await expect(
      readCsv(await file(content), () => {}, () => {
        throw new Error('store full');
      }),
    ).rejects.toThrow('store full');
  });

  it('previews the first rows without reading the rest', async () => {
    const content = 'a,b\n' + Array.from({ length: 100_000 }, (_, i) => `${i},x`).join('\n') + '\n1,2,3\n';
    const path = await file(content);
    const { info, rows } = await previewCsv(path, 10);
    expect(info.columns).toEqual(['a', 'b']);
    expect(rows).toHaveLength(10);
    expect(rows[9]).toEqual(['9', 'x']);
    expect(await previewCsv(path, 0)).toEqual({ info: { columns: ['a', 'b'], notes: [], delimiter: ',', encoding: 'utf-8' }, rows: [] });
    expect((await previewCsv(await file('a,b\n1,2\n'))).rows).toEqual([['1', '2']]);
  });

  it('streams 200,000 rows with bounded heap', async () => {
    const path = join(dir, 'many.csv');
    const out = createWriteStream(path);
    const filler = 'lorem ipsum dolor sit amet, consectetur adipiscing elit '.repeat(3);
    out.write('id,name,text,kind\n');
    for (let i = 0; i < 200_000; i++) {
      if (!out.write(`${i},"name ${i}","${filler}",${i % 7 === 0 ? '"multi\nline"' : 'single'}\n`)) await once(out, 'drain');
    }
    out.end();
    await once(out, 'close');
    const size = (await stat(path)).size;
    // Retained heap, measured after a full collection now and then, is what must stay flat.
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    gc();
    const base = process.memoryUsage().heapUsed;
    let peak = 0;
    let batches = 0;
    let last = '';
    const result = await readCsv(
      path,
      () => {},
      (rows) => {
        if (++batches % 20 === 0) {
          gc();
          peak = Math.max(peak, process.memoryUsage().heapUsed - base);
        }
        last = rows[rows.length - 1][0];
      },
    );
    expect(result.rowCount).toBe(200_000);
    expect(last).toBe('199999');
    expect(size).toBeGreaterThan(30 * 1024 * 1024);
    console.log(`200,000 rows, ${(size / 2 ** 20).toFixed(1)} MiB: peak retained heap growth ${(peak / 2 ** 20).toFixed(1)} MiB`);
    expect(peak).toBeLessThan(size / 8);
  });
});
