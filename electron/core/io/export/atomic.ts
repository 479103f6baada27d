import { open, rename, rm, type FileHandle } from 'node:fs/promises';
import type { TableSource } from './types.ts';

/**
 * Runs `write` against `path + '.partial'` and renames the result to `path` only when it succeeds,
 * so a failed export never leaves a half-written file under the real name; on failure the partial
 * file is removed and the error rethrown.
 */
export async function writeAtomically<T>(path: string, write: (partialPath: string) => Promise<T>): Promise<T> {
  const partial = `${path}.partial`;
  try {
    const result = await write(partial);
    await rename(partial, path);
    return result;
  } catch (err) {
    await rm(partial, { force: true }).catch(() => {});
    // Name the file the user asked for, not the temporary one.
    if (err instanceof Error && err.message.includes(partial)) err.message = err.message.replaceAll(partial, path);
    throw err;
  }
}

/**
 * Writes `first`, then `lineOf(values)` for every row, to `path` (the caller makes it atomic);
 * returns the row count. On an error the file is closed unflushed and the error rethrown.
 */
export async function writeTextRows(
  source: TableSource,
  path: string,
  first: string,
  lineOf: (values: unknown[]) => string,
): Promise<number> {
  const out = await TextFile.create(path);
  let rows = 0;
  try {
    if (first) out.add(first);
    // A database read is synchronous: its rows are taken without a promise each, and the file is
    // awaited only when a megabyte is buffered.
    if (Symbol.iterator in source.rows) {
      for (const row of source.rows) {
        if (out.add(lineOf(row))) await out.flush();
        rows++;
      }
    } else {
      for await (const row of source.rows) {
        if (out.add(lineOf(row))) await out.flush();
        rows++;
      }
    }
  } catch (err) {
    await out.close(true);
    throw err;
  }
  await out.close();
  return rows;
}

/** Buffered text output to a file: few large writes instead of one per row. */
export class TextFile {
  private handle: FileHandle;
  private pending: string[] = [];
  private pendingChars = 0;

  private constructor(handle: FileHandle) {
    this.handle = handle;
  }

  static async create(path: string): Promise<TextFile> {
    return new TextFile(await open(path, 'w'));
  }

  /** Buffers `text`; true once a megabyte is buffered (time to flush). */
  add(text: string): boolean {
    this.pending.push(text);
    this.pendingChars += text.length;
    return this.pendingChars >= 1024 * 1024;
  }

  async flush(): Promise<void> {
    if (this.pending.length === 0) return;
    const text = this.pending.join('');
    this.pending = [];
    this.pendingChars = 0;
    await this.handle.write(text, null, 'utf8');
  }

  /** Flushes and closes; with `discard`, only closes. */
  async close(discard = false): Promise<void> {
    try {
      if (!discard) await this.flush();
    } finally {
      await this.handle.close();
    }
  }
}
