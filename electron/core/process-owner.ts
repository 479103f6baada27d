// The identity a process leaves on what it owns (an import, a running run) and whether that process
// still lives. The identity is host:pid@start, the start being the process's start time (clock ticks
// since boot, from /proc on Linux): a pid that a later process reuses, after a reboot or a wrap of
// the pid counter, then names another owner. Elsewhere it is host:pid.
import { readFileSync } from 'node:fs';
import os from 'node:os';

interface ProcStat {
  /** R, S, D, T… ; Z (zombie) and X (dead) are gone, whatever kill(pid, 0) says. */
  state: string;
  start: string;
}

/** /proc/PID/stat's state and start time, or null where there is no /proc or no such process. */
export function procStat(pid: number): ProcStat | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // "pid (comm) state ppid …": comm may hold spaces and parentheses, so fields count from the last ')'.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { state: fields[0], start: fields[19] };
}

let cachedHost: string | undefined;
function hostName(): string {
  cachedHost ??= os.hostname();
  return cachedHost;
}

let ownStart: string | null | undefined;

export function processOwner(pid: number = process.pid, host: string = hostName()): string {
  const start = pid === process.pid ? (ownStart ??= procStat(pid)?.start ?? null) : (procStat(pid)?.start ?? null);
  return start ? `${host}:${pid}@${start}` : `${host}:${pid}`;
}

/** host, pid and (when recorded) start time of an owner, or null if it is not one. */
export function parseOwner(owner: string): { host: string; pid: number; start: string | null } | null {
  const m = /^(.*):(\d+)(?:@(\d+))?$/.exec(owner);
  if (!m) return null;
  const pid = Number(m[2]);
  return pid > 0 && Number.isSafeInteger(pid) ? { host: m[1], pid, start: m[3] ?? null } : null;
}

/**
 * Whether the process that left `owner` is still alive: only checkable on this host ('unknown'
 * elsewhere). A zombie is dead; so is a live process whose start time differs from the recorded one.
 */
export function ownerAlive(owner: string | null): boolean | 'unknown' {
  if (!owner) return false;
  const o = parseOwner(owner);
  if (!o || o.host !== hostName()) return 'unknown';
  if (o.pid === process.pid && (o.start === null || o.start === (ownStart ??= procStat(o.pid)?.start ?? null))) return true;
  try {
    process.kill(o.pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const stat = procStat(o.pid);
  // No /proc (macOS, Windows): kill(pid, 0) is all there is to go by.
  if (!stat) return procStat(process.pid) === null;
  if (stat.state === 'Z' || stat.state === 'X') return false;
  return o.start === null || o.start === stat.start;
}
