// Owners with real processes: a killed child its parent never reaps (a zombie), a live process whose
// recorded start time differs (its pid reused), a process that is gone.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import { afterEach, expect, it } from 'vitest';
import { ownerAlive, parseOwner, processOwner, procStat } from './process-owner.ts';
import { until } from './testing/until.ts';

const linux = process.platform === 'linux';
const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) c.kill('SIGKILL');
});

function sleeper(): ChildProcess {
  const c = spawn('sleep', ['1000'], { stdio: 'ignore' });
  children.push(c);
  return c;
}

/** A child of a shell that execs into sleep, which never reaps it: killed, it stays a zombie. */
async function zombie(): Promise<number> {
  const parent = spawn('sh', ['-c', 'sleep 1000 & echo $!; exec sleep 1000'], { stdio: ['ignore', 'pipe', 'ignore'] });
  children.push(parent);
  const line = await new Promise<string>((resolve) => parent.stdout!.once('data', (d: Buffer) => resolve(d.toString())));
  const pid = Number(line.trim());
  // Killed while the shell is still a shell, the child would be reaped by it: wait for the exec.
  await until(() => fs.readFileSync(`/proc/${parent.pid}/comm`, 'utf8').trim() === 'sleep');
  process.kill(pid, 'SIGKILL');
  await until(() => procStat(pid)?.state === 'Z');
  return pid;
}

it.runIf(linux)('counts a zombie as dead, though kill(pid, 0) still answers for it', async () => {
  const pid = await zombie();
  expect(() => process.kill(pid, 0)).not.toThrow();
  expect(ownerAlive(`${os.hostname()}:${pid}`)).toBe(false);
});

it.runIf(linux)('records the start time, and a live pid started at another time is not the owner', () => {
  const child = sleeper();
  const owner = processOwner(child.pid!);
  const parsed = parseOwner(owner)!;
  expect(parsed).toMatchObject({ host: os.hostname(), pid: child.pid });
  expect(parsed.start).toMatch(/^\d+$/);
  expect(ownerAlive(owner)).toBe(true);
  expect(ownerAlive(`${os.hostname()}:${child.pid}@${Number(parsed.start) + 1}`)).toBe(false);
  // An owner written before start times were recorded goes by the pid alone.
  expect(ownerAlive(`${os.hostname()}:${child.pid}`)).toBe(true);
});

it('knows this process, a process that is gone, and cannot tell for another host', async () => {
  expect(ownerAlive(processOwner())).toBe(true);
  const child = sleeper();
  const owner = processOwner(child.pid!);
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await exited;
  expect(ownerAlive(owner)).toBe(false);
  expect(ownerAlive(`elsewhere.example:${process.pid}`)).toBe('unknown');
  expect(ownerAlive(null)).toBe(false);
  expect(ownerAlive('not an owner')).toBe('unknown');
});
