// rowrunner compare as a user runs it: child processes, a real database, the simulator over HTTP.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../simulator/index.ts';
import { lastJson, runCli } from './test-helpers.ts';

let sim: Simulator;
let dir: string;
let env: Record<string, string | undefined>;
let runA: string;
let runB: string;
let shortRun: string;

function file(name: string, text: string): string {
  const at = path.join(dir, name);
  fs.writeFileSync(at, text);
  return at;
}

function agent(name: string, prompt: string): string {
  return file(`${name}.json`, JSON.stringify({ name, model: 'sim-model', prompt }));
}

async function run(csv: string, agentFile: string): Promise<string> {
  const res = await runCli(['run', csv, '--agent', agentFile, '--json'], env);
  expect(res.code, res.stderr).toBe(0);
  return String(lastJson(res.stdout).runId);
}

beforeAll(async () => {
  sim = await startSimulator({ latencyMs: 2 });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rr-cli-compare-'));
  env = { OPENAI_BASE_URL: sim.url, OPENAI_API_KEY: 'sk-test', ROWRUNNER_DB: path.join(dir, 'rowrunner.db') };
  // question and alt agree on rows 0 and 2.
  const csv = file('items.csv', 'question,alt\nred,red\nblue,navy\ngreen,green\n@SUM(A1),x\n');
  // Each run imports its CSV again: a second dataset with the same columns and rows.
  runA = await run(csv, agent('reads-question', '{{question}}'));
  runB = await run(csv, agent('reads-alt', '{{alt}}'));
  shortRun = await run(file('short.csv', 'question,alt\nred,red\n'), agent('short', '{{question}}'));
});
afterAll(async () => {
  fs.rmSync(dir, { recursive: true, force: true });
  await sim.close();
});

describe('rowrunner compare', () => {
  it('writes one row per item: the inputs, each run’s outputs as column@run, and _differs', async () => {
    const out = path.join(dir, 'cmp.csv');
    const res = await runCli(['compare', runA, runB, '--out', out], env);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toContain('2 of 4 rows differ');
    const lines = fs.readFileSync(out, 'utf8').replace(/^\uFEFF/, '').split('\r\n');
    expect(lines[0]).toBe(`question,alt,result@${runA},result@${runB},_differs`);
    expect(lines.slice(1, 5)).toEqual([
      'red,red,Simulated reply to: red,Simulated reply to: red,false',
      'blue,navy,Simulated reply to: blue,Simulated reply to: navy,true',
      'green,green,Simulated reply to: green,Simulated reply to: green,false',
      "'@SUM(A1),x,Simulated reply to: @SUM(A1),Simulated reply to: x,true",
    ]);

    const jsonl = path.join(dir, 'cmp.jsonl');
    expect((await runCli(['compare', runB, runA, '--out', jsonl], env)).code).toBe(0);
    const first = JSON.parse(fs.readFileSync(jsonl, 'utf8').split('\n')[0]) as Record<string, unknown>;
    expect(Object.keys(first)).toEqual(['question', 'alt', `result@${runB}`, `result@${runA}`, '_differs']);
  });

  it('exits 2 naming the argument, and writes nothing, for one run, an unknown run or runs over different rows', async () => {
    const out = path.join(dir, 'refused.xlsx');
    const one = await runCli(['compare', runA, '--out', out], env);
    expect(one.code).toBe(2);
    expect(one.stderr).toContain(`give two runs or more (RUN_A RUN_B …), got only run ${runA}`);
    const same = await runCli(['compare', runA, runA, '--out', out], env);
    expect(same.code).toBe(2);
    const unknown = await runCli(['compare', runA, '999', '--out', out], env);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('No run with id "999"');
    const word = await runCli(['compare', runA, 'latest', '--out', out], env);
    expect(word.code).toBe(2);
    expect(word.stderr).toContain('got "latest"');
    const different = await runCli(['compare', runA, shortRun, '--out', out], env);
    expect(different.code).toBe(2);
    expect(different.stderr).toContain(`Runs ${runA} and ${shortRun} cover different rows: run ${runA} has 4 rows, run ${shortRun} has 1.`);
    const noOut = await runCli(['compare', runA, runB], env);
    expect(noOut.code).toBe(2);
    expect(noOut.stderr).toContain('--out FILE is required');
    expect(fs.readdirSync(dir).filter((f) => f.startsWith('refused'))).toEqual([]);
  });

  it('rowrunner runs shows each run’s id and name', async () => {
    const res = await runCli(['runs'], env);
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(new RegExp(`^${runA}\\s.*reads-question`, 'm'));
  });
});
