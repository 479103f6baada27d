// A run continues on the endpoint it was started on, whatever OPENAI_BASE_URL says when it is resumed;
// --endpoint URL sends the rest elsewhere and records that on the run. Two real test servers, A and B,
// each wanting its own key: OPENAI_API_KEY still goes only to OPENAI_BASE_URL.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { withReadonlyDb } from '../runs/test-store.ts';
import { startSimulator, type Simulator } from '../simulator/index.ts';
import { lastJson, runCli } from './test-helpers.ts';

const ITEMS = 12;
let a: Simulator;
let b: Simulator;
let dir: string;
let dbPath: string;
let csv: string;
let agent: string;

beforeAll(async () => {
  a = await startSimulator({ latencyMs: 0, apiKey: 'sk-a' });
  b = await startSimulator({ latencyMs: 0, apiKey: 'sk-b' });
});
afterAll(async () => {
  await Promise.all([a.close(), b.close()]);
});
let tag = 0;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rr-resume-endpoint-'));
  dbPath = path.join(dir, 'rowrunner.db');
  csv = path.join(dir, 'items.csv');
  const t = `${process.pid}-${++tag}`;
  fs.writeFileSync(csv, ['question', ...Array.from({ length: ITEMS }, (_, i) => `q${i} ${t}`)].join('\n') + '\n');
  agent = path.join(dir, 'agent.json');
  fs.writeFileSync(agent, JSON.stringify({ name: 'qa', model: 'sim-model', prompt: 'Answer: {{question}}', maxTokensPerCall: 20 }));
  a.resetStats();
  b.resetStats();
  return () => fs.rmSync(dir, { recursive: true, force: true });
});

/** A run started on A that a token budget stopped part-way: its id and how many rows are done. */
async function runStoppedOnA(): Promise<{ runId: string; done: number }> {
  const res = await runCli(['run', csv, '--agent', agent, '--sequential', '--max-tokens', '150', '--json'], {
    ROWRUNNER_DB: dbPath,
    OPENAI_BASE_URL: a.url,
    OPENAI_API_KEY: 'sk-a',
  });
  expect(res.code, res.stderr).toBe(3);
  const j = lastJson(res.stdout);
  expect(j.done).toBeGreaterThan(0);
  expect(j.done).toBeLessThan(ITEMS);
  expect(b.stats().requests).toBe(0);
  return { runId: String(j.runId), done: j.done as number };
}

const recorded = (runId: string) => withReadonlyDb(dbPath, (db) => db.prepare(`SELECT endpoint FROM runs WHERE id = ?`).pluck().get(Number(runId)));

it('resume sends the rest to the run’s endpoint A even with OPENAI_BASE_URL=B, and B’s key stays with B', { timeout: 120_000 }, async () => {
  const { runId, done } = await runStoppedOnA();
  const onA = a.stats().requests;
  const env = { ROWRUNNER_DB: dbPath, OPENAI_BASE_URL: b.url, OPENAI_API_KEY: 'sk-b' };

  // A wants its own key: without it the rest would go unanswered, so A gets it from ROWRUNNER_API_KEY.
  const res = await runCli(['resume', runId, '--max-tokens', '1000000', '--json'], { ...env, ROWRUNNER_API_KEY: 'sk-a' });
  expect(res.code, res.stderr).toBe(0);
  expect(lastJson(res.stdout)).toMatchObject({ status: 'completed', done: ITEMS, failed: 0 });
  expect(b.stats().requests).toBe(0);
  expect(a.stats().requests - onA).toBe(ITEMS - done);
  expect(res.stderr).toContain(`on ${a.url}`);
  expect(JSON.parse(recorded(runId) as string)).toEqual({ kind: 'custom', baseURL: a.url });
});

it('resume --endpoint B sends the rest to B with OPENAI_API_KEY (B is OPENAI_BASE_URL) and records B on the run', { timeout: 120_000 }, async () => {
  const { runId, done } = await runStoppedOnA();
  const onA = a.stats().requests;
  const env = { ROWRUNNER_DB: dbPath, OPENAI_BASE_URL: b.url, OPENAI_API_KEY: 'sk-b' };

  const bad = await runCli(['resume', runId, '--endpoint', 'localhost:1234', '--json'], env);
  expect(bad.code).toBe(2);
  expect(bad.stderr).toContain('--endpoint needs an http or https URL');

  const res = await runCli(['resume', runId, '--endpoint', b.url, '--max-tokens', '1000000', '--json'], env);
  expect(res.code, res.stderr).toBe(0);
  expect(lastJson(res.stdout)).toMatchObject({ status: 'completed', done: ITEMS, failed: 0 });
  expect(b.stats().requests).toBe(ITEMS - done);
  expect(a.stats().requests).toBe(onA);
  expect(JSON.parse(recorded(runId) as string)).toEqual({ kind: 'custom', baseURL: b.url });
});
