// A write on the caller's thread, with the store's refusals put in words a user can act on.
import { conflict } from '../errors.ts';

/**
 * Runs `write`; when the database cannot be written (a read-only file or folder, a full disk), throws
 * a CallError that says so and what to do, instead of SQLite's bare message.
 */
export function writing<T>(dbPath: string, what: string, write: () => T): T {
  try {
    return write();
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (typeof code === 'string' && code.startsWith('SQLITE_READONLY')) {
      throw conflict(`Cannot ${what}: the database ${dbPath} is read-only (${(err as Error).message}). Make the file and its folder writable, or use another database.`);
    }
    if (code === 'SQLITE_FULL') {
      throw conflict(`Cannot ${what}: the disk holding the database ${dbPath} is full (${(err as Error).message}). Free some space and try again.`);
    }
    throw err;
  }
}
