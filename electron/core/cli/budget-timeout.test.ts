// A cost budget with a model that has no price is refused before anything is read or sent (exit 2),
// by run and by resume / retry-failed; --timeout SECONDS bounds each call, in run and in retry-failed.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createRunService } from '../runs/service.ts';
import { withReadonlyDb } from '../runs/test-store.ts';
import { startSimulator, type Simulator } from '../simulator/index.ts';
import { flagAccepts, runOptionsFromFlags } from './run-flags.ts';
import { lastJson, runCli } from './test-helpers.ts';

let sim: Simulator;
let dir: string;
let env: Record<string, string | undefined>;
let dbPath: string;

beforeAll(async () => {
  sim = await startSimulator({ latencyMs: 1 });
});
afterAll(async () => {
  await sim.close();
});
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rr-budget-timeout-'));
  dbPath = path.join(dir, 'rowrunner.db');
  env = { OPENAI_BASE_URL: sim.url, OPENAI_API_KEY: 'sk-test', ROWRUNNER_DB: dbPath };
  sim.resetStats();
  return () => fs.rmSync(dir, { recursive: true, force: true });
});

let tag = 0;
function csvFile(n: number, hang: readonly number[] = []): string {
  const t = `${process.pid}-${++tag}`;
  const file = path.join(dir, 'items.csv');
  fs.writeFileSync(file, ['question', ...Array.from({ length: n }, (_, i) => `q${i} ${t}${hang.includes(i) ? ' [[hang]]' : ''}`)].join('\n') + '\n');
  return file;
}

const UNPRICED = { name: 'qa', model: 'my-local-model', prompt: 'Answer: {{question}}' };

function agentFile(agent: Record<string, unknown>): string {
  const file = path.join(dir, 'agent.json');
  fs.writeFileSync(file, JSON.stringify(agent));
  return file;
}

describe('a cost budget with an unpriced model', () => {
  it('run refuses it before the CSV is read: exit 2, the model and the pricing fields named, no database', async () => {
    const missingCsv = path.join(dir, 'not-there.csv');
    const res = await runCli(['run', missingCsv, '--agent', agentFile(UNPRICED), '--max-cost', '0.5', '--json'], env);
    expect(res.code, res.stderr).toBe(2);
    expect(res.stderr).toContain('the model "my-local-model" has no known price');
    expect(res.stderr).toContain('"pricing": { "inputPerMTok": …, "outputPerMTok": … }');
    expect(res.stderr).not.toContain('no such file'); // refused before the CSV was looked at
    expect(lastJson(res.stdout)).toMatchObject({ exitCode: 2 });
    expect(fs.existsSync(dbPath)).toBe(false);
    expect(sim.stats().requests).toBe(0);

    // A token budget, or a price, is fine.
    const tokens = await runCli(['run', csvFile(2), '--agent', agentFile(UNPRICED), '--max-tokens', '100000', '--json'], env);
    expect(tokens.code, tokens.stderr).toBe(0);
    const priced = await runCli(['run', csvFile(2), '--agent', agentFile({ ...UNPRICED, pricing: { inputPerMTok: 1, outputPerMTok: 2 } }), '--max-cost', '1', '--json'], env);
    expect(priced.code, priced.stderr).toBe(0);
    expect(lastJson(priced.stdout)).toMatchObject({ status: 'completed', done: 2 });
  });

  it('resume and retry-failed refuse it, whether the run has the budget or --max-cost gives it; nothing is sent', async () => {
    const svc = createRunService({ dbPath });
    const ds = await svc.importDataset(csvFile(3));
    const budgeted = svc.createRun({ datasetId: ds.id, agent: { ...UNPRICED, baseURL: sim.url }, options: { maxCost: 2 } });
    const plain = svc.createRun({ datasetId: ds.id, agent: { ...UNPRICED, baseURL: sim.url } });
    await svc.close();

    for (const args of [
      ['resume', budgeted.runId],
      ['retry-failed', budgeted.runId],
      ['resume', plain.runId, '--max-cost', '1'],
      ['retry-failed', plain.runId, '--max-cost', '1'],
    ]) {
      const res = await runCli([...args, '--json'], env);
      expect(res.code, `${args.join(' ')}: ${res.stderr}`).toBe(2);
      expect(res.stderr).toContain(`rowrunner: run ${args[1]}: the model "my-local-model" has no known price`);
      expect(res.stderr).toContain('"pricing"');
    }
    expect(sim.stats().requests).toBe(0);
    withReadonlyDb(dbPath, (db) => {
      expect(db.prepare(`SELECT status FROM runs ORDER BY id`).pluck().all()).toEqual(['pending', 'pending']);
    });

    // Without a cost budget the same run goes.
    const ok = await runCli(['resume', plain.runId, '--max-tokens', '100000', '--json'], env);
    expect(ok.code, ok.stderr).toBe(0);
    expect(lastJson(ok.stdout)).toMatchObject({ status: 'completed', done: 3 });
  });
});

describe('--timeout SECONDS', () => {
  it('is checked by the schema, in seconds, fractions allowed', () => {
    expect(flagAccepts('timeout')).toBe('a number of seconds above 0, at most 3600');
    expect(runOptionsFromFlags({ timeout: '1.5' })).toEqual({ timeoutMs: 1500 });
    expect(() => runOptionsFromFlags({ timeout: '0' })).toThrow('--timeout needs a number of seconds above 0, at most 3600, got "0"');
    expect(() => runOptionsFromFlags({ timeout: '3601' })).toThrow('--timeout needs a number of seconds above 0, at most 3600, got "3601"');
    expect(() => runOptionsFromFlags({ timeout: 'soon' })).toThrow('--timeout needs a number of seconds above 0, at most 3600, got "soon"');
  });

  it('ends 10 rows of which 2 hang with 8 done and 2 failed that timed out; retry-failed takes its own', { timeout: 120_000 }, async () => {
    const csv = csvFile(10, [3, 7]);
    const out = path.join(dir, 'out.jsonl');
    const res = await runCli(['run', csv, '--agent', agentFile({ ...UNPRICED, timeoutMs: 600_000 }), '--timeout', '1', '--out', out, '--json'], env);
    expect(res.code, res.stderr).toBe(0);
    expect(lastJson(res.stdout)).toMatchObject({ status: 'completed', done: 8, failed: 2 });
    const rows = fs.readFileSync(out, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    const failed = rows.filter((r) => r._status === 'failed');
    expect(failed.map((r) => r.question)).toEqual([expect.stringContaining('q3 '), expect.stringContaining('q7 ')]);
    for (const r of failed) expect(r._error).toContain('timed out after 1 s');

    const runId = String(lastJson(res.stdout).runId);
    const retry = await runCli(['retry-failed', runId, '--timeout', '0.5', '--json'], env);
    expect(retry.code, retry.stderr).toBe(0);
    expect(lastJson(retry.stdout)).toMatchObject({ done: 8, failed: 2 });
    expect(retry.stderr).toContain('timed out after 500 ms');
    withReadonlyDb(dbPath, (db) => {
      const options = JSON.parse(db.prepare(`SELECT options FROM runs WHERE id = ?`).pluck().get(Number(runId)) as string) as { timeoutMs?: number };
      expect(options.timeoutMs).toBe(500);
    });
  });
});
