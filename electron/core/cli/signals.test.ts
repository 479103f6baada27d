// How a run ends on signals and on failures: SIGTERM cancels like the first Ctrl-C, only a second
// Ctrl-C forces a quit and even then the run is left interrupted; a run in which no row was done exits 1.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../simulator/index.ts';
import type { CliIo, Interrupt } from './io.ts';
import { watchStops, type StopKind } from './stops.ts';
import { lastJson, runCli, spawnCli } from './test-helpers.ts';

describe('watchStops', () => {
  function fakeSignals(): { io: CliIo; send(s: Interrupt): void } {
    let handler: ((s: Interrupt) => void) | undefined;
    const io = { onInterrupt: (h: (s: Interrupt) => void) => ((handler = h), () => (handler = undefined)) } as unknown as CliIo;
    return { io, send: (s) => handler?.(s) };
  }

  it('cancels on the first SIGINT or SIGTERM, forces only on a second SIGINT', () => {
    for (const [signals, expected] of [
      [['SIGINT'], ['cancel']],
      [['SIGTERM'], ['cancel']],
      [['SIGINT', 'SIGTERM'], ['cancel']],
      [['SIGTERM', 'SIGTERM', 'SIGINT'], ['cancel']],
      [['SIGINT', 'SIGTERM', 'SIGINT'], ['cancel', 'force']],
      [['SIGTERM', 'SIGINT', 'SIGINT'], ['cancel', 'force']],
    ] as [Interrupt[], StopKind[]][]) {
      const { io, send } = fakeSignals();
      const stops = watchStops(io);
      const seen: StopKind[] = [];
      stops.handle((k) => seen.push(k));
      for (const s of signals) send(s);
      expect(seen, signals.join(' ')).toEqual(expected);
      stops.close();
    }
  });

  it('hands a stop asked for before a handler existed to the handler at once', () => {
    const { io, send } = fakeSignals();
    const stops = watchStops(io);
    send('SIGTERM');
    expect(stops.requested).toBe(true);
    const seen: StopKind[] = [];
    stops.handle((k) => seen.push(k));
    expect(seen).toEqual(['cancel']);
  });
});

let sim: Simulator;
let dir: string;
let env: Record<string, string | undefined>;
let agent: string;

beforeAll(async () => {
  sim = await startSimulator({ latencyMs: 50 });
});
afterAll(async () => {
  await sim.close();
});
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rr-signals-'));
  env = { OPENAI_BASE_URL: sim.url, OPENAI_API_KEY: 'sk-test', ROWRUNNER_DB: path.join(dir, 'rowrunner.db') };
  agent = path.join(dir, 'agent.json');
  fs.writeFileSync(agent, JSON.stringify({ name: 'qa', model: 'sim-model', prompt: 'Answer: {{question}}' }));
  return () => fs.rmSync(dir, { recursive: true, force: true });
});

function csvFile(rows: number, suffix = ''): string {
  const file = path.join(dir, 'items.csv');
  fs.writeFileSync(file, 'question\n' + Array.from({ length: rows }, (_, i) => `question ${i}${suffix}`).join('\n') + '\n');
  return file;
}

/** The runs' statuses as the file holds them, read without the recovery a service does when it opens. */
function statusesOnDisk(): string[] {
  const db = new Database(env.ROWRUNNER_DB!, { readonly: true });
  try {
    return (db.prepare('SELECT status FROM runs ORDER BY id').all() as { status: string }[]).map((r) => r.status);
  } finally {
    db.close();
  }
}

describe('the rowrunner command', { timeout: 180_000 }, () => {
  it('SIGTERM cancels cleanly: exit 1, the run cancelled and resumable', async () => {
    const p = spawnCli(['run', csvFile(400), '--agent', agent, '--json', '--batch-size', '4'], env);
    await p.waitForStderr(/progress: [1-9]/);
    p.child.kill('SIGTERM');
    const res = await p.result;
    expect(res.code, res.stderr).toBe(1);
    expect(lastJson(res.stdout)).toMatchObject({ status: 'cancelled', failed: 0 });
    expect(statusesOnDisk()).toEqual(['cancelled']);
  });

  it('a Ctrl-C followed by the SIGTERM of `timeout` is one cancel, not a forced quit', async () => {
    const p = spawnCli(['run', csvFile(400), '--agent', agent, '--json', '--batch-size', '4'], env);
    await p.waitForStderr(/progress: [1-9]/);
    p.child.kill('SIGINT');
    p.child.kill('SIGTERM');
    const res = await p.result;
    expect(res.code, res.stderr).toBe(1);
    expect(res.stderr).not.toContain('Quit.');
    expect(lastJson(res.stdout)).toMatchObject({ status: 'cancelled' });
    expect(statusesOnDisk()).toEqual(['cancelled']);
  });

  it('two Ctrl-Cs quit, and the run is left interrupted or cancelled, never running', async () => {
    const p = spawnCli(['run', csvFile(400), '--agent', agent, '--batch-size', '4'], env);
    await p.waitForStderr(/progress: [1-9]/);
    p.child.kill('SIGINT');
    await p.waitForStderr(/Cancelling/);
    // If the cancel has already ended the run, this finds the process gone and the run cancelled.
    p.child.kill('SIGINT');
    const res = await p.result;
    expect(res.code, res.stderr).toBe(1);
    const [status] = statusesOnDisk();
    expect(status).toBe(res.stderr.includes('Quit.') ? 'interrupted' : 'cancelled');
  });

  it('exits 1 under --on-error continue when every row failed, 0 when one was done', async () => {
    sim.setOptions({ latencyMs: 1 });
    const none = await runCli(['run', csvFile(3, ' [[status:400]]'), '--agent', agent, '--json'], env);
    expect(none.code, none.stderr).toBe(1);
    expect(lastJson(none.stdout)).toMatchObject({ status: 'completed', done: 0, failed: 3 });
    expect(none.stderr).toContain('No row was done');
    const file = path.join(dir, 'items.csv');
    fs.writeFileSync(file, 'question\nfine\nbad [[status:400]]\n');
    const one = await runCli(['run', file, '--agent', agent, '--json'], env);
    expect(one.code, one.stderr).toBe(0);
    expect(lastJson(one.stdout)).toMatchObject({ status: 'completed', done: 1, failed: 1 });
    sim.setOptions({ latencyMs: 50 });
  });
});
