// Which runs marked running in the database a service takes over, with real processes as their
// owners: a killed one (a zombie its parent never reaps), a live one whose start time differs from
// the recorded one, a live one that stopped beating; and the one it must leave alone.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { openDatabase } from '../store/db.ts';
import { createRunService, type RunService } from './service.ts';
import { until } from '../testing/until.ts';

const linux = process.platform === 'linux';
let dir: string;
let svc: RunService;
const children: ChildProcess[] = [];

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rr-liveness-'));
  svc = createRunService({ dbPath: path.join(dir, 'rowrunner.db') });
});
afterEach(async () => {
  for (const c of children.splice(0)) c.kill('SIGKILL');
  await svc.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** This test's own reading of /proc/PID/stat: the state and the start time. */
function stat(pid: number): { state: string; start: number } | null {
  try {
    const text = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { state: f[0], start: Number(f[19]) };
  } catch {
    return null;
  }
}

function commandOf(pid: number): string | null {
  try {
    return fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return null;
  }
}

function sleeper(): number {
  const c = spawn('sleep', ['1000'], { stdio: 'ignore' });
  children.push(c);
  return c.pid!;
}

async function zombie(): Promise<number> {
  const parent = spawn('sh', ['-c', 'sleep 1000 & echo $!; exec sleep 1000'], { stdio: ['ignore', 'pipe', 'ignore'] });
  children.push(parent);
  const pid = Number((await new Promise<Buffer>((resolve) => parent.stdout!.once('data', resolve))).toString().trim());
  // Killed while its parent is still the shell, the child would be reaped by it and never become a
  // zombie: kill it once the shell has become sleep, which never reaps.
  await until(() => commandOf(parent.pid!) === 'sleep');
  process.kill(pid, 'SIGKILL');
  await until(() => stat(pid)?.state === 'Z');
  return pid;
}

/** A run marked running by `owner`, which last beat `ago` ms ago. */
async function runOwnedBy(owner: string, ago = 0): Promise<string> {
  const csv = path.join(dir, 'q.csv');
  fs.writeFileSync(csv, 'question\nq1\nq2\n');
  const ds = await svc.importDataset(csv);
  const run = svc.createRun({ datasetId: ds.id, agent: { name: 'qa', model: 'm', baseURL: 'http://127.0.0.1:9/v1', prompt: '{{question}}' } });
  const db = openDatabase(svc.dbPath);
  db.prepare(`UPDATE runs SET status = 'running', owner = ?, heartbeat_at = ? WHERE id = ?`).run(owner, Date.now() - ago, Number(run.runId));
  db.close();
  return run.runId;
}

it.runIf(linux)('takes over at once the run of a process just killed, still a zombie', async () => {
  const runId = await runOwnedBy(`${os.hostname()}:${await zombie()}`);
  expect(svc.recoverInterrupted()).toEqual([runId]);
  expect(svc.getRun(runId).status).toBe('interrupted');
});

it.runIf(linux)('takes over the run of a live pid whose start time differs from the recorded one', async () => {
  const pid = sleeper();
  const runId = await runOwnedBy(`${os.hostname()}:${pid}@${stat(pid)!.start + 1}`);
  expect(svc.recoverInterrupted()).toEqual([runId]);
});

it('takes over the run of a live process whose heartbeat is stale', async () => {
  const runId = await runOwnedBy(`${os.hostname()}:${sleeper()}`, 60_000);
  expect(svc.recoverInterrupted()).toEqual([runId]);
});

it.runIf(linux)('leaves a live owner that beats, at its recorded start time, alone', async () => {
  const pid = sleeper();
  const runId = await runOwnedBy(`${os.hostname()}:${pid}@${stat(pid)!.start}`);
  expect(svc.recoverInterrupted()).toEqual([]);
  expect(() => svc.start(runId)).toThrow(/running in another process/);
});
