// Files that are not wholly UTF-8: a UTF-8 file with a few stray bytes is read as UTF-8 with those
// bytes replaced, and a file that shows no sign of UTF-8 is read as Windows-1252; each says so.
import { describe, expect, it } from 'vitest';
import iconv from 'iconv-lite';
import { csvError, file, readAll, withCsvDir } from './testing/read.ts';
import { previewCsv } from './index.ts';
import { detectEncoding } from './detect-encoding.ts';

withCsvDir();

/** `count` lines of UTF-8 rows (line 2 onwards, after the header), one of them with a raw byte 0xE9 (é in Windows-1252). */
function utf8WithStrayByte(count: number, strayAt: number): Buffer {
  const parts: Buffer[] = [Buffer.from('name,city\n')];
  for (let i = 0; i < count; i++) {
    if (i === strayAt) parts.push(Buffer.from(`row ${i},Caf`), Buffer.from([0xe9]), Buffer.from('\n'));
    else parts.push(Buffer.from(`row ${i},Zürich ${i}\n`));
  }
  return Buffer.concat(parts);
}

describe('a UTF-8 file with a few bytes that are not UTF-8', () => {
  it('is read as UTF-8, the bytes replaced with U+FFFD, and a note names the first line', async () => {
    // The stray byte is on the 12th physical line (the header is line 1).
    const { info, header, rows } = await readAll(await file(utf8WithStrayByte(20, 10)));
    expect(info.encoding).toBe('utf-8');
    expect(rows[10]).toEqual(['row 10', 'Caf\uFFFD']);
    expect(rows[9]).toEqual(['row 9', 'Zürich 9']);
    expect(info.notes).toEqual(['Line 12: bytes that are not UTF-8 were replaced with \uFFFD.']);
    expect(header.notes).toEqual(info.notes);
  });

  it('counts every replacement and keeps the first line, past the first window too', async () => {
    const rows = 8000; // well past the 64 KiB the encoding is decided from
    const parts: Buffer[] = [utf8WithStrayByte(rows, 2)];
    parts.push(Buffer.from('late,'), Buffer.from([0x93, 0x94]), Buffer.from(' and a real \uFFFD\n'));
    const bytes = Buffer.concat(parts);
    expect(bytes.length).toBeGreaterThan(64 * 1024);
    const read = await readAll(await file(bytes));
    expect(read.rows).toHaveLength(rows + 1);
    expect(read.rows[rows]).toEqual(['late', '\uFFFD\uFFFD and a real \uFFFD']);
    // Line 4: one byte; the last line: two bytes (a replacement that was in the file is not counted).
    expect(read.info.notes).toEqual(['Line 4: bytes that are not UTF-8 were replaced with \uFFFD (and in 2 more places after it).']);
  });

  it('replaces bytes past the first window once multi-byte UTF-8 has been seen, even after an ASCII start', async () => {
    const ascii = Array.from({ length: 5000 }, (_, i) => `${i},plain text row\n`).join('');
    const bytes = Buffer.concat([Buffer.from('id,text\n' + ascii + '5000,Zürich\n5001,Caf'), Buffer.from([0xe9]), Buffer.from('\n')]);
    expect(bytes.length).toBeGreaterThan(64 * 1024);
    const { rows, info } = await readAll(await file(bytes));
    expect(rows.slice(-2)).toEqual([['5000', 'Zürich'], ['5001', 'Caf\uFFFD']]);
    expect(info.notes).toEqual([`Line ${5000 + 3}: bytes that are not UTF-8 were replaced with \uFFFD.`]);
  });

  it('replaces a sequence cut short at the end of the file', async () => {
    const bytes = Buffer.concat([Buffer.from('a,b\nZürich,x'), Buffer.from([0xe2, 0x82])]);
    const { rows, info } = await readAll(await file(bytes));
    expect(rows).toEqual([['Zürich', 'x\uFFFD']]);
    expect(info.notes).toEqual(['Line 2: bytes that are not UTF-8 were replaced with \uFFFD.']);
  });

  it('says so in a preview that stops before the line, from the first window', async () => {
    const { info, rows } = await previewCsv(await file(utf8WithStrayByte(50, 40)), 3);
    expect(rows).toHaveLength(3);
    expect(info.encoding).toBe('utf-8');
    expect(info.notes).toEqual(['Line 42: bytes that are not UTF-8 were replaced with \uFFFD.']);
  });

  it('reads a UTF-8 file with a BOM the same way', async () => {
    const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('a,b\n1,x'), Buffer.from([0xff]), Buffer.from('y\n')]);
    const { rows, info } = await readAll(await file(bytes));
    expect(info.encoding).toBe('utf-8-bom');
    expect(rows).toEqual([['1', 'x\uFFFDy']]);
    expect(info.notes).toEqual(['Line 2: bytes that are not UTF-8 were replaced with \uFFFD.']);
  });
});

describe('a file with no sign of UTF-8', () => {
  it('is read as Windows-1252, and a note says so with the first line that is not UTF-8', async () => {
    const text = 'name,city\nAnna,Berlin\nJosé,Zürich\nAnaïs,“Malmö”\n';
    const { info, header, rows } = await readAll(await file(iconv.encode(text, 'windows-1252')));
    expect(info.encoding).toBe('windows-1252');
    expect(rows).toEqual([['Anna', 'Berlin'], ['José', 'Zürich'], ['Anaïs', '“Malmö”']]);
    expect(info.notes).toHaveLength(1);
    expect(info.notes[0]).toMatch(/^Line 3 has bytes that are not UTF-8 .* read as Windows-1252\./);
    expect(header.notes).toEqual(info.notes);
  });

  it('still stops at bytes past the first window when nothing before them was UTF-8 beyond ASCII', async () => {
    const ascii = Array.from({ length: 5000 }, (_, i) => `${i},plain text row\n`).join('');
    const bytes = Buffer.concat([Buffer.from('id,text\n' + ascii), iconv.encode('5000,café\n', 'windows-1252')]);
    const err = await csvError(await file(bytes));
    expect(err.code).toBe('parse');
    expect(err.line).toBe(5002);
  });

  it('a clean UTF-8 or ASCII file gets no note', async () => {
    expect((await readAll(await file('a,b\nZürich,1\n'))).info.notes).toEqual([]);
    expect((await readAll(await file('a,b\nplain,1\n'))).info.notes).toEqual([]);
  });
});

describe('detectEncoding', () => {
  it('tells UTF-8 with stray bytes from Windows-1252 by the multi-byte sequences beside them', () => {
    const mixed = Buffer.concat([Buffer.from('a\nü\n'), Buffer.from([0xe9, 0x0a])]);
    expect(detectEncoding(mixed, true)).toMatchObject({ encoding: 'utf-8', utf8Evidence: true, firstNonUtf8Line: 3 });
    const single = iconv.encode('a\r\nb\r\né\r\n', 'windows-1252');
    expect(detectEncoding(single, true)).toMatchObject({ encoding: 'windows-1252', utf8Evidence: false, firstNonUtf8Line: 3 });
    expect(detectEncoding(Buffer.from('a\nü\n'), true)).toMatchObject({ encoding: 'utf-8', utf8Evidence: true });
    expect(detectEncoding(Buffer.from('a\nb\n'), true).firstNonUtf8Line).toBeUndefined();
  });
});
