// The run-option flags are checked by the shared run-options schema, before any file is read or the
// database opened; a negative number is a value, not an option.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { RunOptionsSchema } from '../../../shared/domain.ts';
import { startSimulator, type Simulator } from '../simulator/index.ts';
import { accepts, runOptionsFromFlags } from './run-flags.ts';
import { lastJson, runCli } from './test-helpers.ts';

describe('flags derived from RunOptionsSchema', () => {
  it("say what they accept in the schema's own bounds", () => {
    expect(accepts('batchSize')).toBe('an integer from 1 to 4096');
    expect(accepts('maxCost')).toBe('a positive number');
    expect(accepts('maxTokens')).toBe('a positive integer');
    expect(accepts('onError')).toBe('stop or continue');
  });

  it('accept what the schema accepts and refuse what it refuses', () => {
    expect(runOptionsFromFlags({ 'batch-size': '4096', turns: '-1', 'on-error': 'stop', rpm: '0.5', sequential: true })).toEqual({
      batchSize: 4096,
      turns: -1,
      onError: 'stop',
      rpm: 0.5,
      sequential: true,
    });
    expect(RunOptionsSchema.safeParse({ batchSize: 4097 }).success).toBe(false);
    expect(() => runOptionsFromFlags({ 'batch-size': '4097' })).toThrow('--batch-size needs an integer from 1 to 4096, got "4097"');
    expect(() => runOptionsFromFlags({ 'batch-size': '2.5' })).toThrow('--batch-size needs an integer from 1 to 4096, got "2.5"');
    expect(() => runOptionsFromFlags({ turns: '0' })).toThrow('--turns must be -1 (no limit) or at least 1, got "0"');
    expect(() => runOptionsFromFlags({ 'max-tokens': '' })).toThrow('--max-tokens needs a positive integer, got ""');
  });
});

let sim: Simulator;
let dir: string;
let env: Record<string, string | undefined>;
let csv: string;
let agent: string;

beforeAll(async () => {
  sim = await startSimulator({ latencyMs: 1 });
});
afterAll(async () => {
  await sim.close();
});
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rr-flags-'));
  env = { OPENAI_BASE_URL: sim.url, OPENAI_API_KEY: 'sk-test', ROWRUNNER_DB: path.join(dir, 'rowrunner.db') };
  csv = path.join(dir, 'items.csv');
  fs.writeFileSync(csv, 'question\n' + Array.from({ length: 6 }, (_, i) => `q${i}`).join('\n') + '\n');
  agent = path.join(dir, 'agent.json');
  fs.writeFileSync(agent, JSON.stringify({ name: 'qa', model: 'sim-model', prompt: 'Answer: {{question}}' }));
  return () => fs.rmSync(dir, { recursive: true, force: true });
});

describe('the rowrunner command', () => {
  it('refuses --batch-size 5000 before it imports anything: exit 2, no database, no dataset', async () => {
    const res = await runCli(['run', csv, '--agent', agent, '--batch-size', '5000'], env);
    expect(res.code, res.stderr).toBe(2);
    expect(res.stderr).toContain('--batch-size needs an integer from 1 to 4096, got "5000"');
    expect(fs.existsSync(env.ROWRUNNER_DB!)).toBe(false);
  });

  it('reads a negative number as a value: --batch-size -1 gets a clear message, --turns -1 runs', async () => {
    const bad = await runCli(['run', csv, '--agent', agent, '--batch-size', '-1'], env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--batch-size needs an integer from 1 to 4096, got "-1"');
    expect(bad.stderr).not.toContain('ambiguous');
    const ok = await runCli(['run', csv, '--agent', agent, '--turns', '-1', '--json'], env);
    expect(ok.code, ok.stderr).toBe(0);
    expect(lastJson(ok.stdout)).toMatchObject({ status: 'completed', done: 6 });
  });

  it("checks resume's budgets the same way", async () => {
    const res = await runCli(['resume', '1', '--max-cost', '-5'], env);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('--max-cost needs a positive number, got "-5"');
  });

  it('--help gives the default batch size the schema gives', async () => {
    const res = await runCli(['--help'], env);
    expect(res.stdout).toContain(`(default ${RunOptionsSchema.parse({}).batchSize})`);
  });
});
