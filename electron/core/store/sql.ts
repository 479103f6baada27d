// Prepared statements cached per connection: preparing is the expensive part of a small query.
import type Database from 'better-sqlite3';
import os from 'node:os';

const caches = new WeakMap<Database.Database, Map<string, Database.Statement>>();

export function stmt<P extends unknown[] = unknown[], R = unknown>(db: Database.Database, sql: string): Database.Statement<P, R> {
  let cache = caches.get(db);
  if (!cache) {
    cache = new Map();
    caches.set(db, cache);
  }
  let s = cache.get(sql);
  if (!s) {
    s = db.prepare(sql);
    cache.set(sql, s);
  }
  return s as unknown as Database.Statement<P, R>;
}

/** A JSON column read back, or a fallback when it is NULL. */
export function parseJson<T>(text: string | null | undefined, fallback: T): T {
  if (text === null || text === undefined) return fallback;
  return JSON.parse(text) as T;
}

export function isoOrNull(ms: number | null | undefined): string | null {
  return ms === null || ms === undefined ? null : new Date(ms).toISOString();
}

/** host:pid, the identity a process leaves on what it owns (an import, a running run). */
export function processOwner(pid: number = process.pid, host: string = hostName()): string {
  return `${host}:${pid}`;
}

let cachedHost: string | undefined;
function hostName(): string {
  cachedHost ??= os.hostname();
  return cachedHost;
}

/** Whether the process that left `owner` is still alive (only checkable on this host). */
export function ownerAlive(owner: string | null): boolean | 'unknown' {
  if (!owner) return false;
  const at = owner.lastIndexOf(':');
  const host = owner.slice(0, at);
  const pid = Number(owner.slice(at + 1));
  if (host !== hostName() || !Number.isInteger(pid) || pid <= 0) return 'unknown';
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
