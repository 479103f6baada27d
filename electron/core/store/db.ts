// Opens the Rowrunner database: WAL, foreign keys, a busy timeout, and the schema migrated to the
// version this code knows. Migrations are an ordered list keyed on PRAGMA user_version; every pending
// one is applied in a single transaction, so a database is never left half-migrated. A database
// written by a newer Rowrunner is refused rather than guessed at.
import Database from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';
import { MIGRATIONS, type Migration } from './migrations/index.ts';

export type Db = Database.Database;

export class DatabaseVersionError extends Error {
  readonly dbVersion: number;
  readonly appVersion: number;
  readonly path: string;
  constructor(file: string, dbVersion: number, appVersion: number) {
    super(
      `${file} was written by a newer Rowrunner (database version ${dbVersion}; this one knows up to ` +
        `version ${appVersion}). Update Rowrunner, or use another database file.`,
    );
    this.name = 'DatabaseVersionError';
    this.dbVersion = dbVersion;
    this.appVersion = appVersion;
    this.path = file;
  }
}

export interface OpenOptions {
  /** Defaults to the real list; tests pass their own. */
  migrations?: readonly Migration[];
  /** How long a writer waits for another connection's write lock before SQLITE_BUSY. */
  busyTimeoutMs?: number;
  /** Open without migrating (the caller knows the schema is current, e.g. a worker of the same app). */
  skipMigrations?: boolean;
  /**
   * Open an existing file for reading only: nothing is created, switched or migrated, so commands
   * that only read (list runs, export) work on a full disk or a read-only file.
   */
  readonly?: boolean;
}

/** Opens (creating if needed) a database file and migrates it; or, with `readonly`, opens one to read. */
export function openDatabase(file: string, options: OpenOptions = {}): Db {
  if (options.readonly) return openReadonly(file, options);
  if (file !== ':memory:') fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const db = new Database(file);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    // Statement journals (every UPDATE that fires a trigger inside a batch's transaction keeps one)
    // in memory: in temporary files they cost two writes per page changed, some 25 an item.
    db.pragma('temp_store = MEMORY');
    // After a checkpoint, the WAL file is cut back to this size instead of staying at its peak.
    db.pragma('journal_size_limit = 67108864');
    // 4 MB of page cache a connection (better-sqlite3 builds SQLite with 16 MB). What runs here reads
    // and writes at moving frontiers (an import appends rows, a batch updates items in order, a table
    // reads a page through an index), so more cache bought little: a 1,000,000-row import is 4% slower
    // with 4 MB, and a 100,000-item run's peak memory is some 30 MB lower (two connections).
    db.pragma('cache_size = -4000');
    db.pragma(`busy_timeout = ${Math.max(0, Math.floor(options.busyTimeoutMs ?? 10_000))}`);
    if (!options.skipMigrations) migrate(db, options.migrations ?? MIGRATIONS, file);
    return db;
  } catch (err) {
    db.close();
    throw err;
  }
}

function openReadonly(file: string, options: OpenOptions): Db {
  if (!fs.existsSync(file)) throw new Error(`${file} does not exist (a read-only open creates nothing)`);
  try {
    return checkedReadonly(new Database(file, { readonly: true, fileMustExist: true }), file, options);
  } catch (err) {
    if (!noRoomForSharedMemory(err) || !walIsEmpty(file)) throw err;
  }
  // A WAL reader needs a -shm file of 32 KB, which a full disk (or a read-only folder) cannot give. When the WAL holds
  // nothing, the file alone is the database: read a private copy in memory (marked as a rollback
  // database, which is all an in-memory one can be). It costs the file's size in memory, only here.
  const copy = fs.readFileSync(file);
  copy[18] = 1;
  copy[19] = 1;
  return checkedReadonly(new Database(copy, { readonly: true }), file, options);
}

function noRoomForSharedMemory(err: unknown): boolean {
  const code = String((err as { code?: unknown }).code ?? '');
  return code.startsWith('SQLITE_IOERR_SHM') || code === 'SQLITE_FULL' || code.startsWith('SQLITE_READONLY') || code === 'SQLITE_CANTOPEN';
}

function walIsEmpty(file: string): boolean {
  try {
    return fs.statSync(`${file}-wal`).size === 0;
  } catch {
    return true;
  }
}

function checkedReadonly(db: Db, file: string, options: OpenOptions): Db {
  try {
    db.pragma('cache_size = -4000');
    db.pragma(`busy_timeout = ${Math.max(0, Math.floor(options.busyTimeoutMs ?? 10_000))}`);
    const known = latestVersion(options.migrations ?? MIGRATIONS);
    const version = schemaVersion(db);
    if (version > known) throw new DatabaseVersionError(file, version, known);
    if (version < known && !options.skipMigrations) {
      throw new Error(
        `${file} needs an upgrade (database version ${version}; this Rowrunner uses ${known}), which a read-only open cannot ` +
          `make: run a command that writes (such as rowrunner resume) once the file is writable and its disk has space.`,
      );
    }
    return db;
  } catch (err) {
    db.close();
    throw err;
  }
}

/**
 * Throws a clear error unless the database can take a session's writes: the file is writable and its
 * disk has at least `minFreeBytes` free. A resume calls this before it sends anything, so that a full
 * disk does not cost a window of paid calls whose answers could not be kept.
 */
export function checkWritable(db: Db, minFreeBytes = 64 * 1024 * 1024): void {
  const file = db.name;
  if (db.readonly) throw new Error(`${file} is open read-only; a run needs to write to it`);
  try {
    // A write that must reach the file: a read-only file or a locked one fails here.
    db.transaction(() => db.pragma(`user_version = ${schemaVersion(db)}`)).immediate();
  } catch (err) {
    throw new Error(`${file} cannot be written (${(err as Error).message}); make it writable and free disk space, then try again`, { cause: err });
  }
  if (file === ':memory:' || file === '') return;
  const fsStats = fs.statfsSync(path.dirname(path.resolve(file)));
  const free = fsStats.bavail * fsStats.bsize;
  if (free < minFreeBytes) {
    const mb = (n: number) => `${(n / (1024 * 1024)).toFixed(1)} MB`;
    throw new Error(
      `the disk holding ${file} has ${mb(free)} free; a run needs at least ${mb(minFreeBytes)} to keep its answers. ` +
        `Free some space, then try again: nothing was sent.`,
    );
  }
}

/**
 * A file of `bytes` beside the database, held while a run writes: when the disk fills, deleting it
 * gives back room for the few pages that record how the run ended, so a full disk ends the run
 * interrupted with its error instead of leaving it 'running'. No-op where it cannot be made.
 */
export function holdReserve(dbFile: string, bytes = 1024 * 1024): { release(): void } {
  const file = `${path.resolve(dbFile)}-reserve`;
  let held = false;
  if (dbFile === ':memory:' || dbFile === '') return { release() {} };
  try {
    fs.writeFileSync(file, Buffer.alloc(bytes));
    held = true;
  } catch {
    fs.rmSync(file, { force: true });
  }
  return {
    release() {
      if (!held) return;
      held = false;
      fs.rmSync(file, { force: true });
    },
  };
}

export function schemaVersion(db: Db): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/** The version the given migrations bring a database to. */
export function latestVersion(migrations: readonly Migration[] = MIGRATIONS): number {
  return migrations.length === 0 ? 0 : migrations[migrations.length - 1].version;
}

/**
 * Applies every migration newer than the database's user_version, in order, in one transaction.
 * Returns the versions applied.
 */
export function migrate(db: Db, migrations: readonly Migration[] = MIGRATIONS, file = db.name): number[] {
  checkOrder(migrations);
  const target = latestVersion(migrations);
  const current = schemaVersion(db);
  if (current > target) throw new DatabaseVersionError(file, current, target);
  if (current === target) return [];
  const pending = migrations.filter((m) => m.version > current);
  // IMMEDIATE: take the write lock first, then re-read the version, so two processes opening the
  // same fresh file do not both migrate it.
  const apply = db.transaction(() => {
    const now = schemaVersion(db);
    if (now > target) throw new DatabaseVersionError(file, now, target);
    const applied: number[] = [];
    for (const m of pending) {
      if (m.version <= now) continue;
      m.up(db);
      applied.push(m.version);
    }
    db.pragma(`user_version = ${target}`);
    return applied;
  });
  return apply.immediate();
}

function checkOrder(migrations: readonly Migration[]): void {
  let last = 0;
  for (const m of migrations) {
    if (!Number.isInteger(m.version) || m.version <= last) {
      throw new Error(`migrations out of order: version ${m.version} (${m.name}) follows ${last}`);
    }
    last = m.version;
  }
}

/**
 * Checkpoints the WAL and truncates it, without waiting: when another connection is reading old
 * pages or writing, the checkpoint does what it can and returns (the next one catches up). Returns
 * whether the WAL was fully checkpointed.
 */
export function checkpoint(db: Db): boolean {
  const timeout = db.pragma('busy_timeout', { simple: true }) as number;
  try {
    db.pragma('busy_timeout = 0');
    const [r] = db.pragma('wal_checkpoint(TRUNCATE)') as { busy: number; log: number; checkpointed: number }[];
    return r !== undefined && r.busy === 0;
  } catch {
    return false;
  } finally {
    db.pragma(`busy_timeout = ${timeout}`);
  }
}
