// The one way a command opens the runs service: on --db, else $ROWRUNNER_DB, else the desktop app's database.
// Commands that only read open it read-only; commands that run check first that it can take their writes.
import fs from 'node:fs';
import path from 'node:path';
import { createRunService, type RunService } from '../runs/service.ts';
import { cliWorkerUrl } from '../runs/worker-bundle.ts';
import { checkWritable, DatabaseVersionError, openDatabase, type Db } from '../store/db.ts';
import { defaultDbPath } from '../store/paths.ts';
import { str, type Values } from './args.ts';
import { UsageError } from './errors.ts';
import { CliFailure, explainFailure } from './failures.ts';
import type { CliIo } from './io.ts';

/** `read`: only reads (runs, datasets, export); `write`: writes (rm); `run`: sends calls, so it checks first that their answers can be kept. */
export type Access = 'read' | 'write' | 'run';

export function dbPathOf(v: Values, env: CliIo['env']): string {
  return str(v, 'db') ?? defaultDbPath(env);
}

function create(db: string, env: CliIo['env'], readonly: boolean): RunService {
  return createRunService({ dbPath: db, apiKey: () => env.OPENAI_API_KEY, tuneHeapForWorkers: true, workerUrl: cliWorkerUrl(), readonly });
}

export function openService(v: Values, env: CliIo['env'], access: Access): RunService {
  const db = dbPathOf(v, env);
  try {
    if (access === 'run') checkCanWrite(db);
    if (access !== 'read') return create(db, env, false);
    // A database that does not exist yet is made (an empty list on a fresh machine), as one too old to read is upgraded.
    if (!fs.existsSync(db)) return create(db, env, false);
    try {
      return create(db, env, true);
    } catch (err) {
      if (/needs an upgrade/.test((err as Error).message)) return create(db, env, false);
      throw err;
    }
  } catch (err) {
    if (err instanceof CliFailure) throw err;
    if (err instanceof DatabaseVersionError) throw new UsageError(err.message);
    throw new UsageError(`--db ${db}: cannot open the database: ${(err as Error).message}`);
  }
}

const FULL = /SQLITE_FULL|ENOSPC|EDQUOT/;
const READ_ONLY = /SQLITE_READONLY|SQLITE_CANTOPEN|EACCES|EPERM|EROFS/;

function freeBytes(file: string): number {
  try {
    const stats = fs.statfsSync(path.dirname(path.resolve(file)));
    return stats.bavail * stats.bsize;
  } catch {
    return Infinity;
  }
}

/** The codes and messages of an error and its causes, the last one SQLite's own. */
function chainOf(err: unknown): { codes: string; root: string } {
  const codes: string[] = [];
  let root = String(err);
  for (let e: unknown = err; e instanceof Error; e = e.cause) {
    codes.push(String((e as { code?: unknown }).code ?? ''), e.message);
    root = e.message;
  }
  return { codes: codes.join(' '), root: root.split('\n')[0] };
}

/**
 * Before a session sends anything: the database file can be written and its disk has room for the
 * answers. Otherwise a CliFailure (exit 1) that says which and what to do, so that no call is paid
 * for whose answer could not be kept.
 */
function checkCanWrite(file: string): void {
  let db: Db | undefined;
  try {
    // The service opens (and migrates) it next; this connection only tries a write.
    db = openDatabase(file, { skipMigrations: true });
    checkWritable(db);
  } catch (err) {
    const { codes: why, root } = chainOf(err);
    // A full disk shows as SQLITE_FULL, or as an I/O error where SQLite could not even grow its shared memory file.
    if (FULL.test(why) || /database or disk is full/.test(why) || freeBytes(file) < 1024 * 1024) {
      throw new CliFailure(`the disk holding the database ${file} is full. Free some space, then run the command again; nothing was sent.`);
    }
    if (READ_ONLY.test(why) || /readonly|read-only/i.test(why)) {
      throw new CliFailure(
        `the database ${file} is read-only (${root}). Make the file and its folder writable, ` +
          'or give another --db, then run the command again; nothing was sent.',
      );
    }
    if (/has [\d.]+ MB free/.test(why)) throw new CliFailure((err as Error).message);
    throw err;
  } finally {
    db?.close();
  }
}

/**
 * Runs `work` on an open service and closes it after, however `work` ends. A full disk or a damaged
 * database becomes a CliFailure that says what to do; `out` is the file the command writes, if any.
 */
export async function withService<T>(v: Values, env: CliIo['env'], work: (svc: RunService) => Promise<T> | T, out: string | undefined, access: Access): Promise<T> {
  const svc = openService(v, env, access);
  try {
    return await work(svc);
  } catch (err) {
    throw explainFailure(err, { dbPath: svc.dbPath, out }) ?? err;
  } finally {
    await svc.close().catch(() => {});
  }
}
