// What went wrong outside the user's input (a full disk, a damaged database), said in words with what
// to do next, instead of a stack trace. Exit 1: the input was fine, the machine was not.
import { EXIT } from './errors.ts';

export class CliFailure extends Error {
  readonly exitCode = EXIT.stopped;
  constructor(message: string) {
    super(message);
    this.name = 'CliFailure';
  }
}

const DISK_FULL = new Set(['ENOSPC', 'EDQUOT', 'SQLITE_FULL']);
const DAMAGED = new Set(['SQLITE_CORRUPT', 'SQLITE_NOTADB', 'SQLITE_CORRUPT_INDEX', 'SQLITE_CORRUPT_SEQUENCE', 'SQLITE_CORRUPT_VTAB']);

/**
 * The failure `err` is, told for a person, or undefined if it is not one of these. `dbPath`: the
 * database in use; `out`: the file being written, if any.
 */
export function explainFailure(err: unknown, where: { dbPath: string; out?: string }): CliFailure | undefined {
  if (!(err instanceof Error)) return undefined;
  const code = (err as { code?: unknown }).code;
  if (typeof code !== 'string') return undefined;
  const native = code.startsWith('SQLITE_') ? '' : ` (${err.message})`;
  if (DISK_FULL.has(code)) {
    const what = code === 'SQLITE_FULL' || !where.out ? `the disk holding the database ${where.dbPath} is full` : `cannot write ${where.out}: the disk is full${native}`;
    const todo = where.out && code !== 'SQLITE_FULL' ? 'Free some space or give --out a file on another disk, then run the command again' : 'Free some space, then run the command again';
    return new CliFailure(`${what}. ${todo}; what the database already holds is kept.`);
  }
  if (DAMAGED.has(code)) {
    return new CliFailure(
      `the database ${where.dbPath} is damaged (${err.message}). Keep a copy of it, then recover what it holds with ` +
        `\`sqlite3 ${where.dbPath} .recover | sqlite3 recovered.db\` and use --db recovered.db, or start afresh with another --db.`,
    );
  }
  if (code === 'SQLITE_IOERR' || code.startsWith('SQLITE_IOERR_') || code === 'EIO') {
    return new CliFailure(`reading or writing ${where.out ?? where.dbPath} failed (${err.message}): the disk or its connection is failing. Check it, then run the command again.`);
  }
  return undefined;
}
