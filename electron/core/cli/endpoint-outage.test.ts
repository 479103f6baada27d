// The command line while a run's endpoint is away: the real rowrunner process, against a simulator
// closed mid-run and started again on its port. It prints why it paused and keeps waiting; once the
// endpoint is back the run completes with no row failed; a Ctrl-C while it waits leaves it resumable.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../simulator/index.ts';
import { lastJson, runCli, spawnCli } from './test-helpers.ts';

const ROWS = 800;

let sim: Simulator | undefined;
let dir: string;
let env: Record<string, string | undefined>;
let agent: string;
let csv: string;

beforeEach(async () => {
  sim = await startSimulator({ latencyMs: 50 });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rr-cli-outage-'));
  env = { OPENAI_BASE_URL: sim.url, OPENAI_API_KEY: 'sk-test', ROWRUNNER_DB: path.join(dir, 'rowrunner.db') };
  agent = path.join(dir, 'agent.json');
  fs.writeFileSync(agent, JSON.stringify({ name: 'qa', model: 'sim-model', prompt: 'Answer: {{question}}' }));
  csv = path.join(dir, 'items.csv');
  fs.writeFileSync(csv, 'question\n' + Array.from({ length: ROWS }, (_, i) => `question ${i}`).join('\n') + '\n');
});
afterEach(async () => {
  await sim?.close();
  sim = undefined;
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Starts `rowrunner run`, closes the simulator once rows are done, and waits for the pause's lines. */
async function runIntoOutage() {
  const p = spawnCli(['run', csv, '--agent', agent, '--json', '--batch-size', '8'], env);
  await p.waitForStderr(/progress: [1-9]/);
  const port = sim!.port;
  await sim!.close();
  await p.waitForStderr(/the endpoint is not answering: paused \(next try in \d+ s\); last error: the connection failed/);
  await p.waitForStderr(/Waiting for it; Ctrl-C stops here, and `rowrunner resume 1` continues the run\./);
  return { p, port };
}

describe('rowrunner run when the endpoint goes away', { timeout: 180_000 }, () => {
  it('prints the pause, keeps waiting, and completes with no row failed once the endpoint is back', async () => {
    const { p, port } = await runIntoOutage();
    sim = await startSimulator({ port, latencyMs: 50 });
    await p.waitForStderr(/the endpoint answers again: resumed/);
    const res = await p.result;
    expect(res.code, res.stderr).toBe(0);
    expect(lastJson(res.stdout)).toMatchObject({ status: 'completed', items: ROWS, done: ROWS, failed: 0 });
    expect(res.stderr).not.toMatch(/row \d+ failed/);
  });

  it('a Ctrl-C while it waits leaves the run resumable; the resume finishes it', async () => {
    const { p, port } = await runIntoOutage();
    p.child.kill('SIGINT');
    const res = await p.result;
    expect(res.code, res.stderr).toBe(1);
    const stopped = lastJson(res.stdout);
    expect(stopped).toMatchObject({ status: 'cancelled', failed: 0 });
    expect(stopped.skipped).toBeGreaterThan(0);
    sim = await startSimulator({ port, latencyMs: 50 });
    const resumed = await runCli(['resume', '1', '--json'], env);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(lastJson(resumed.stdout)).toMatchObject({ status: 'completed', done: ROWS, failed: 0 });
  });
});
