// What a benchmark reads of a child process from /proc: its CPU once waited for, its peak RSS.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';

let clockTicks = 100;
try {
  clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
} catch {
  // USER_HZ is 100 on Linux unless configured otherwise
}

/** CPU ms of this process's children that have been waited for (fields cutime and cstime). */
export function childrenCpuMs(): number {
  const stat = fs.readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // After "pid (comm) ", field 3 (state) is index 0; cutime is field 16, cstime field 17.
  return ((Number(fields[13]) + Number(fields[14])) * 1000) / clockTicks;
}

/** A live process's peak resident set (VmHWM), kB; undefined once it has exited. */
export function vmHwmKb(pid: number): number | undefined {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}
