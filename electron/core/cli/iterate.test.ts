// The commands for runs that build on each other, as a user runs them: the real rowrunner process, a
// real SQLite file, the simulator over real HTTP. run --from, rerun --rows, retry-failed --only, and
// their bad input: exit 2 with a message naming the argument, nothing written.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { parseRowsSpec } from '../../../shared/attempts.ts';
import { startSimulator, type Simulator } from '../simulator/index.ts';
import { main, type CliIo } from './main.ts';
import { lastJson, runCli } from './test-helpers.ts';

let sim: Simulator;
let dir: string;
let env: Record<string, string | undefined>;
let tag = 0;

beforeAll(async () => {
  sim = await startSimulator({ latencyMs: 0 });
});
afterAll(async () => {
  await sim.close();
});
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rr-iterate-'));
  env = { OPENAI_BASE_URL: sim.url, OPENAI_API_KEY: 'sk-test', ROWRUNNER_DB: path.join(dir, 'rowrunner.db') };
  tag++;
  return () => fs.rmSync(dir, { recursive: true, force: true });
});

/** A CSV of `n` questions unique to this test, row i `q{i}` plus its extra text. */
function csv(n: number, extra: Record<number, string> = {}): string {
  const file = path.join(dir, 'items.csv');
  fs.writeFileSync(file, ['question', ...Array.from({ length: n }, (_, i) => `q${i} t${process.pid}-${tag}${extra[i] ?? ''}`)].join('\n') + '\n');
  return file;
}

function agentFile(name: string, spec: Record<string, unknown>): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, JSON.stringify({ name: 'qa', model: 'sim-model', prompt: 'Answer: {{question}}', ...spec }));
  return file;
}

/** Runs the command's main with this test's environment; what it wrote and its exit code. */
async function inProcess(args: string[]): Promise<{ code: number; stderr: string }> {
  let stderr = '';
  const sink = (write: (s: string) => void) => ({ write: (chunk: string | Uint8Array) => (write(String(chunk)), true) }) as unknown as NodeJS.WritableStream;
  const io: CliIo = { stdout: sink(() => {}), stderr: sink((t) => (stderr += t)), env, onInterrupt: () => () => {} };
  return { code: await main(args, io), stderr };
}

const sent = (prompt: string): number => sim.stats().byPrompt.get(prompt) ?? 0;

/** What the database holds, read straight from the file. */
function snapshot(): { runs: number; attempts: string; earlier: number } {
  const db = new Database(env.ROWRUNNER_DB!, { readonly: true });
  try {
    return {
      runs: db.prepare('SELECT COUNT(*) FROM runs').pluck().get() as number,
      attempts: JSON.stringify(db.prepare('SELECT run_id, row_index, status, attempts FROM items ORDER BY run_id, row_index').all()),
      earlier: db.prepare('SELECT COUNT(*) FROM earlier_attempts').pluck().get() as number,
    };
  } finally {
    db.close();
  }
}

it('run --from takes the rows of an earlier run; rerun --rows sends the rows it names again, numbered from 1', { timeout: 120_000 }, async () => {
  const items = csv(4);
  const first = await runCli(['run', items, '--agent', agentFile('a.json', {}), '--batch-size', '2', '--json'], env);
  expect(first.code, first.stderr).toBe(0);

  const changed = agentFile('b.json', { prompt: 'Briefly: {{question}}' });
  const next = await runCli(['run', '--from', '1', '--agent', changed, '--json'], env);
  expect(next.code, next.stderr).toBe(0);
  expect(lastJson(next.stdout)).toMatchObject({ runId: '2', status: 'completed', items: 4, done: 4 });
  for (let i = 0; i < 4; i++) expect(sent(`Briefly: q${i} t${process.pid}-${tag}`)).toBe(1);

  const prompt = (i: number) => `Answer: q${i} t${process.pid}-${tag}`;
  // --no-cache: unchanged requests would be answered from the response cache.
  const rerun = await runCli(['rerun', '1', '--rows', '2,4', '--no-cache', '--json'], env);
  expect(rerun.code, rerun.stderr).toBe(0);
  expect(rerun.stderr).toContain('running 2 rows again (2,4)');
  expect(lastJson(rerun.stdout)).toMatchObject({ runId: '1', status: 'completed', items: 4, done: 4 });
  expect([0, 1, 2, 3].map((i) => sent(prompt(i)))).toEqual([1, 2, 1, 2]);
  const db = new Database(env.ROWRUNNER_DB!, { readonly: true });
  expect(db.prepare('SELECT row_index, attempt, status FROM earlier_attempts WHERE run_id = 1 ORDER BY row_index').all()).toEqual([
    { row_index: 1, attempt: 1, status: 'done' },
    { row_index: 3, attempt: 1, status: 'done' },
  ]);
  db.close();
});

it('retry-failed --only sends the failures of that kind alone', { timeout: 120_000 }, async () => {
  // Row 2's tool arguments are not JSON twice, both of its turns: an invalid answer. Row 3 is refused (400).
  const items = csv(4, { 1: ' [[badargsx2]]', 2: ' [[status:400]]' });
  const tool = { name: 'answer', parameters: { type: 'object', properties: { answer: { type: 'string' } }, required: ['answer'] } };
  const agent = agentFile('a.json', { tools: [tool], doneIfTool: true, output: { answer: 'answer' }, turns: 2 });
  const first = await runCli(['run', items, '--agent', agent, '--json'], env);
  expect(lastJson(first.stdout)).toMatchObject({ done: 2, failed: 2 });
  const prompt = (i: number) => `Answer: q${i} t${process.pid}-${tag}${i === 1 ? ' [[badargsx2]]' : i === 2 ? ' [[status:400]]' : ''}`;
  const before = [0, 1, 2, 3].map((i) => sent(prompt(i)));

  const infra = await runCli(['retry-failed', '1', '--only', 'infra', '--json'], env);
  expect(infra.stderr).toContain('retrying (infra failures only) 0 of 4');
  expect([0, 1, 2, 3].map((i) => sent(prompt(i)))).toEqual(before);

  const invalid = await runCli(['retry-failed', '1', '--only', 'invalid', '--json'], env);
  expect(lastJson(invalid.stdout)).toMatchObject({ done: 3, failed: 1 });
  expect([0, 1, 2, 3].map((i) => sent(prompt(i)))).toEqual([before[0], before[1] + 1, before[2], before[3]]);
});

it('bad input to --from, --rows and --only: exit 2, a message naming the argument, nothing written', { timeout: 120_000 }, async () => {
  const agent = agentFile('a.json', {});
  const none = await runCli(['run', '--from', '1', '--agent', agent], env);
  expect(none.code).toBe(2);
  expect(none.stderr).toContain('--from 1: no run with that id');
  expect(fs.existsSync(env.ROWRUNNER_DB!)).toBe(false);

  expect((await runCli(['run', csv(3), '--agent', agent], env)).code).toBe(0);
  const before = snapshot();
  const cases: [string[], string][] = [
    [['run', '--from', '7', '--agent', agent], '--from 7: no run with that id'],
    [['run', '--from', 'x1', '--agent', agent], '--from needs a RUN_ID'],
    [['run', '--from', '1', csv(3), '--agent', agent], 'takes no ITEMS.csv'],
    [['run', '--from', '1', '--agent', agentFile('c.json', { prompt: '{{colour}}' })], '{{colour}}'],
    [['rerun', '1', '--rows', '4'], '--rows 4: row 4 is out of range: the run has 3 rows (1-3)'],
    [['rerun', '1', '--rows', '0'], '--rows 0: row 0 does not exist'],
    [['rerun', '1', '--rows', '2-x'], '--rows 2-x: "2-x" is not a row number or a range'],
    [['rerun', '1', '--rows', '3-1'], 'runs backwards'],
    [['rerun', '1', '--rows', '1,,2'], 'an empty part'],
    [['rerun', '1'], 'rerun: which rows?'],
    [['rerun', '9', '--rows', '1'], 'RUN_ID 9: no run with that id'],
    [['retry-failed', '1', '--only', 'network'], '--only needs infra'],
  ];
  // The command's own main, in this process: a process each would take minutes on a loaded machine.
  for (const [args, message] of cases) {
    const res = await inProcess(args);
    expect(res.code, `${args.join(' ')}: ${res.stderr}`).toBe(2);
    expect(res.stderr).toContain(message);
  }
  expect(snapshot()).toEqual(before);
});

it('parseRowsSpec: rows numbered from 1, ranges, repeats once, in order', () => {
  expect(parseRowsSpec('3,7-9', 10)).toEqual([2, 6, 7, 8]);
  expect(parseRowsSpec(' 9 , 2-3, 3 ', 10)).toEqual([1, 2, 8]);
  expect(() => parseRowsSpec('', 10)).toThrow('an empty part');
  expect(() => parseRowsSpec('1-11', 10)).toThrow('row 11 is out of range');
  expect(() => parseRowsSpec('1.5', 10)).toThrow('not a row number');
});
