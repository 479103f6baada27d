// The rowrunner command as a user runs it: a child process, a real database, the simulator over HTTP.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../simulator/index.ts';
import { lastJson, runCli, spawnCli } from './test-helpers.ts';

let sim: Simulator;
let dir: string;
let env: Record<string, string | undefined>;

beforeAll(async () => {
  sim = await startSimulator({ latencyMs: 5 });
});
afterAll(async () => {
  await sim.close();
});
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rr-cli-'));
  env = { OPENAI_BASE_URL: sim.url, OPENAI_API_KEY: 'sk-test', ROWRUNNER_DB: path.join(dir, 'rowrunner.db') };
  sim.setOptions({ latencyMs: 5 });
  return () => fs.rmSync(dir, { recursive: true, force: true });
});

let tag = 0;
function csvFile(n: number, special: Record<number, string> = {}, name = 'items.csv'): string {
  const t = `${process.pid}-${++tag}`;
  const lines = ['question,topic', ...Array.from({ length: n }, (_, i) => `q${i} ${t}${special[i] ?? ''},topic ${i % 3}`)];
  const file = path.join(dir, name);
  fs.writeFileSync(file, lines.join('\n') + '\n');
  return file;
}

function agentFile(extra: Record<string, unknown> = {}, name = 'agent.json'): string {
  const file = path.join(dir, name);
  fs.writeFileSync(
    file,
    JSON.stringify({ name: 'qa', model: 'sim-model', prompt: 'Answer about {{topic}}: {{question}}', pricing: { inputPerMTok: 1000, outputPerMTok: 1000 }, ...extra }, null, 2),
  );
  return file;
}

describe('usage', () => {
  it('--help prints the contract and exits 0; no command exits 2', async () => {
    const help = await runCli(['--help'], env);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('rowrunner run ITEMS.csv --agent AGENT.json');
    expect(help.stdout).toContain('rowrunner simulate');
    const none = await runCli([], env);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('Usage:');
    const unknown = await runCli(['frobnicate'], env);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown command "frobnicate"');
  });
});

describe('simulate', () => {
  it('starts the simulated endpoint, prints its URL, answers, and stops on Ctrl-C with exit 0', async () => {
    const p = spawnCli(['simulate', '--latency', '1'], env);
    const [url] = await p.waitForStdout(/http:\/\/127\.0\.0\.1:\d+\/v1/);
    const res = await fetch(`${url}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'sim', messages: [{ role: 'user', content: 'hello' }] }),
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { choices: { message: { content: string } }[] };
    expect(body.choices[0].message.content).toContain('hello');
    p.child.kill('SIGINT');
    expect((await p.result).code).toBe(0);
  });
});

describe('run', () => {
  it('runs to completion: exit 0, the --json object last on stdout, the export written', async () => {
    const out = path.join(dir, 'results.jsonl');
    const res = await runCli(['run', csvFile(40, { 7: ' [[status:400]]' }), '--agent', agentFile(), '--out', out, '--json', '--batch-size', '4'], env);
    expect(res.code, res.stderr).toBe(0); // a failed item under --on-error continue still exits 0
    const json = lastJson(res.stdout);
    expect(Object.keys(json)).toEqual(expect.arrayContaining(['runId', 'status', 'items', 'done', 'failed', 'skipped', 'promptTokens', 'completionTokens', 'costUsd', 'wallMs']));
    expect(json).toMatchObject({ runId: '1', status: 'completed', items: 40, done: 39, failed: 1, skipped: 0 });
    expect(json.wallMs).toEqual(expect.any(Number));
    expect(json.costUsd).toBeGreaterThan(0);
    const rows = fs.readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(rows).toHaveLength(40);
    expect(rows[7]).toMatchObject({ _status: 'failed' });
    expect(rows.reduce((s, r) => s + (r._prompt_tokens as number), 0)).toBe(json.promptTokens);
    expect(res.stderr).toMatch(/row 8 failed/);
  });

  it('exit 1 when an item stops the run under --on-error stop; resume continues it', async () => {
    const res = await runCli(['run', csvFile(30, { 3: ' [[status:400]]' }), '--agent', agentFile(), '--on-error', 'stop', '--json', '--batch-size', '2'], env);
    expect(res.code, res.stderr).toBe(1);
    expect(lastJson(res.stdout)).toMatchObject({ status: 'stopped-error', failed: 1 });
    const resumed = await runCli(['resume', '1', '--json'], env);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(lastJson(resumed.stdout)).toMatchObject({ status: 'completed', done: 29, failed: 1, skipped: 0 });
  });

  it('exit 3 at a budget; resume with a higher budget finishes (exit 0)', async () => {
    const res = await runCli(['run', csvFile(50), '--agent', agentFile(), '--max-cost', '0.2', '--json', '--batch-size', '2'], env);
    expect(res.code, res.stderr).toBe(3);
    const stopped = lastJson(res.stdout);
    expect(stopped).toMatchObject({ status: 'stopped-budget' });
    expect(stopped.skipped).toBeGreaterThan(0);
    const again = await runCli(['resume', '1', '--json'], env);
    expect(again.code).toBe(3);
    const raised = await runCli(['resume', '1', '--max-cost', '50', '--json'], env);
    expect(raised.code, raised.stderr).toBe(0);
    expect(lastJson(raised.stdout)).toMatchObject({ status: 'completed', done: 50, skipped: 0 });
  });

  it('Ctrl-C cancels cleanly (exit 1) and the run resumes', async () => {
    sim.setOptions({ latencyMs: 50 });
    const p = spawnCli(['run', csvFile(400), '--agent', agentFile(), '--json', '--batch-size', '4'], env);
    await p.waitForStderr(/progress: [1-9]/);
    p.child.kill('SIGINT');
    const res = await p.result;
    expect(res.code, res.stderr).toBe(1);
    const json = lastJson(res.stdout);
    expect(json.status).toBe('cancelled');
    expect(json.skipped).toBeGreaterThan(0);
    expect(json.failed).toBe(0);
    sim.setOptions({ latencyMs: 1 });
    const resumed = await runCli(['resume', String(json.runId), '--json'], env);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(lastJson(resumed.stdout)).toMatchObject({ status: 'completed', done: 400 });
  });

  it('runs --json lists runs oldest first; retry-failed reruns the failed items; export writes a file', async () => {
    await runCli(['run', csvFile(5, { 1: ' [[status:400x1]]' }), '--agent', agentFile()], env);
    await runCli(['run', csvFile(3, {}, 'b.csv'), '--agent', agentFile()], env);
    const list = await runCli(['runs', '--json'], env);
    expect(list.code).toBe(0);
    const runs = JSON.parse(list.stdout) as Record<string, unknown>[];
    expect(runs.map((r) => r.runId)).toEqual(['1', '2']);
    expect(runs[0]).toMatchObject({ status: 'completed', items: 5, done: 4, failed: 1, createdAt: expect.any(String) });
    expect(runs[1]).toMatchObject({ items: 3, done: 3, failed: 0 });
    const table = await runCli(['runs'], env);
    expect(table.stdout).toMatch(/^ID\s+STATUS/);

    const retried = await runCli(['retry-failed', '1', '--json'], env);
    expect(retried.code, retried.stderr).toBe(0);
    expect(lastJson(retried.stdout)).toMatchObject({ done: 5, failed: 0 });

    const out = path.join(dir, 'r.csv');
    const exported = await runCli(['export', '1', '--out', out], env);
    expect(exported.code, exported.stderr).toBe(0);
    const text = fs.readFileSync(out, 'utf8');
    expect(text.split(/\r?\n/)[0]).toContain('question,topic,result,_status');
  });
});

describe('bad input exits 2, says what and where, writes no output file', () => {
  const cases: { name: string; setup: () => string[]; message: RegExp }[] = [
    { name: 'a missing agent file', setup: () => ['run', csvFile(2), '--agent', path.join(dir, 'nope.json')], message: /nope\.json: no such file/ },
    {
      name: 'an agent with wrong fields',
      setup: () => ['run', csvFile(2), '--agent', agentFile({ model: 5, temperature: 9, extra: true })],
      message: /agent\.json: not a valid agent spec:[\s\S]*model:[\s\S]*temperature:[\s\S]*extra/,
    },
    { name: 'an agent that is not JSON', setup: () => { fs.writeFileSync(path.join(dir, 'bad.json'), '{ "name": "x",\n  oops }'); return ['run', csvFile(2), '--agent', path.join(dir, 'bad.json')]; }, message: /bad\.json: not valid JSON.*line 2/ },
    { name: 'a prompt naming a column the CSV lacks', setup: () => ['run', csvFile(2), '--agent', agentFile({ prompt: '{{question}} in {{langauge}}' })], message: /\{\{langauge\}\}, which .*items\.csv lacks \(its columns: question, topic\)/ },
    { name: 'a missing CSV', setup: () => ['run', path.join(dir, 'none.csv'), '--agent', agentFile()], message: /none\.csv: no such file/ },
    { name: 'an empty CSV', setup: () => { fs.writeFileSync(path.join(dir, 'empty.csv'), ''); return ['run', path.join(dir, 'empty.csv'), '--agent', agentFile()]; }, message: /empty\.csv: .*empty/i },
    { name: 'a header-only CSV', setup: () => { fs.writeFileSync(path.join(dir, 'h.csv'), 'question,topic\n'); return ['run', path.join(dir, 'h.csv'), '--agent', agentFile()]; }, message: /h\.csv: .*zero items/ },
    { name: 'a ragged CSV', setup: () => { fs.writeFileSync(path.join(dir, 'r.csv'), 'question,topic\na,b\nc,d,e\n'); return ['run', path.join(dir, 'r.csv'), '--agent', agentFile()]; }, message: /r\.csv: .*line 3/i },
    { name: 'an --out with an unknown extension', setup: () => ['run', csvFile(2), '--agent', agentFile(), '--out', path.join(dir, 'x.txt')], message: /--out .*x\.txt: the name must end in \.xlsx, \.csv or \.jsonl/ },
    { name: 'an --out in a missing folder', setup: () => ['run', csvFile(2), '--agent', agentFile(), '--out', path.join(dir, 'no', 'x.csv')], message: /the folder .* does not exist/ },
    { name: 'a bad number', setup: () => ['run', csvFile(2), '--agent', agentFile(), '--batch-size', 'lots'], message: /--batch-size needs an integer from 1 to 4096, got "lots"/ },
    { name: 'a bad --on-error', setup: () => ['run', csvFile(2), '--agent', agentFile(), '--on-error', 'retry'], message: /--on-error must be stop or continue/ },
    { name: 'an unknown option', setup: () => ['run', csvFile(2), '--agent', agentFile(), '--fast'], message: /run: Unknown option '--fast'/ },
    { name: 'no --agent', setup: () => ['run', csvFile(2)], message: /--agent AGENT\.json is required/ },
    { name: 'an unknown run', setup: () => ['resume', '42'], message: /No run with id "42"/ },
    { name: 'a run id that is not a number', setup: () => ['resume', 'abc'], message: /RUN_ID must be a number/ },
    { name: 'export without --out', setup: () => ['export', '1'], message: /--out FILE is required/ },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const args = c.setup();
      const out = path.join(dir, 'out.xlsx');
      const withOut = args.includes('--out') || args[0] !== 'run' ? args : [...args, '--out', out];
      const res = await runCli(withOut, env);
      expect(res.code, res.stderr).toBe(2);
      expect(res.stderr).toMatch(c.message);
      expect(fs.existsSync(out)).toBe(false);
      expect(fs.readdirSync(dir).filter((f) => /\.(xlsx|partial)$/.test(f))).toEqual([]);
    });
  }

  it('--json still ends stdout with a JSON object on bad input', async () => {
    const res = await runCli(['run', csvFile(2), '--agent', agentFile({ prompt: '{{nope}}' }), '--json'], env);
    expect(res.code).toBe(2);
    expect(lastJson(res.stdout)).toMatchObject({ error: expect.stringContaining('{{nope}}'), exitCode: 2 });
  });

  it('a missing key with no endpoint configured is caught before the run', async () => {
    const res = await runCli(['run', csvFile(2), '--agent', agentFile()], { ...env, OPENAI_API_KEY: '', OPENAI_BASE_URL: '' });
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('OPENAI_API_KEY is not set');
  });
});
