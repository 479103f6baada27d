// The response cache through the real command: a child process, a real database, the simulator over HTTP.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../simulator/index.ts';
import { parseAge } from './commands/cache.ts';
import { UsageError } from './errors.ts';
import { lastJson, runCli } from './test-helpers.ts';

let sim: Simulator;
let dir: string;
let env: Record<string, string | undefined>;

beforeAll(async () => {
  sim = await startSimulator({ latencyMs: 2 });
});
afterAll(async () => {
  await sim.close();
});
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rr-cli-cache-'));
  env = { OPENAI_BASE_URL: sim.url, OPENAI_API_KEY: 'sk-test', ROWRUNNER_DB: path.join(dir, 'rowrunner.db') };
  return () => fs.rmSync(dir, { recursive: true, force: true });
});

/** Chat requests since the last reset (the simulator counts its /v1/models probes apart). */
function sent(): number {
  const s = sim.stats();
  return s.requests - s.modelRequests;
}

function files(n: number): { csv: string; agent: string } {
  const csv = path.join(dir, 'items.csv');
  fs.writeFileSync(csv, ['question', ...Array.from({ length: n }, (_, i) => `q${i} of ${process.pid} ${dir}`)].join('\n') + '\n');
  const agent = path.join(dir, 'agent.json');
  fs.writeFileSync(agent, JSON.stringify({ name: 'qa', model: 'sim-model', prompt: 'Answer: {{question}}', pricing: { inputPerMTok: 1000, outputPerMTok: 1000 } }));
  return { csv, agent };
}

it('a second run of the same rows sends nothing and costs 0; --no-cache sends every row; the export marks the cached rows', async () => {
  const { csv, agent } = files(30);
  sim.resetStats();
  const first = await runCli(['run', csv, '--agent', agent, '--json'], env);
  expect(first.code, first.stderr).toBe(0);
  expect(sent()).toBe(30);
  const paid = lastJson(first.stdout);
  expect(paid).toMatchObject({ done: 30, cachedCalls: 0, savedUsd: 0 });

  sim.resetStats();
  const out = path.join(dir, 'again.jsonl');
  const again = await runCli(['run', csv, '--agent', agent, '--json', '--out', out], env);
  expect(again.code, again.stderr).toBe(0);
  expect(sent()).toBe(0);
  const free = lastJson(again.stdout);
  expect(free).toMatchObject({ done: 30, costUsd: 0, promptTokens: 0, completionTokens: 0, cachedCalls: 30 });
  expect(free.savedUsd).toBeCloseTo(paid.costUsd as number, 9);
  expect(again.stderr).toMatch(/30 calls answered from the cache, \$\S+ saved/);
  const rows = fs.readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  expect(rows.map((r) => r._cached)).toEqual(Array(30).fill(true));

  const listed = JSON.parse((await runCli(['runs', '--json'], env)).stdout) as Record<string, unknown>[];
  expect(listed.map((r) => r.cachedCalls)).toEqual([0, 30]);

  sim.resetStats();
  const off = await runCli(['run', csv, '--agent', agent, '--json', '--no-cache'], env);
  expect(off.code, off.stderr).toBe(0);
  expect(sent()).toBe(30);
  expect(lastJson(off.stdout)).toMatchObject({ done: 30, cachedCalls: 0 });
});

it('rowrunner cache shows the size; cache clear forgets by age or all; a bad --older-than exits 2 naming it', async () => {
  const { csv, agent } = files(4);
  expect((await runCli(['run', csv, '--agent', agent], env)).code).toBe(0);

  const shown = await runCli(['cache'], env);
  expect(shown.code, shown.stderr).toBe(0);
  expect(shown.stdout).toMatch(/Response cache in .*rowrunner\.db: 4 answers, [\d.]+ (B|KB)/);
  expect(lastJson((await runCli(['cache', '--json'], env)).stdout)).toMatchObject({ entries: 4, costUsd: expect.any(Number) });

  const bad = await runCli(['cache', 'clear', '--older-than', 'soon'], env);
  expect(bad.code).toBe(2);
  expect(bad.stderr).toContain('--older-than needs an age such as 30d');
  expect(bad.stderr).toContain('"soon"');
  expect(lastJson((await runCli(['cache', '--json'], env)).stdout)).toMatchObject({ entries: 4 });

  const young = await runCli(['cache', 'clear', '--older-than', '30d', '--json'], env);
  expect(young.code, young.stderr).toBe(0);
  expect(lastJson(young.stdout)).toMatchObject({ cleared: 0 });

  const all = await runCli(['cache', 'clear'], env);
  expect(all.code, all.stderr).toBe(0);
  expect(all.stdout).toContain('Cleared 4 answers');
  expect(lastJson((await runCli(['cache', '--json'], env)).stdout)).toMatchObject({ entries: 0, bytes: 0 });

  sim.resetStats();
  expect((await runCli(['run', csv, '--agent', agent], env)).code).toBe(0);
  expect(sent()).toBe(4);
});

it('reads an age in minutes, hours, days or weeks, and refuses anything else', () => {
  expect(parseAge('30d')).toBe(30 * 86_400_000);
  expect(parseAge('12h')).toBe(12 * 3_600_000);
  expect(parseAge('90m')).toBe(90 * 60_000);
  expect(parseAge('2W')).toBe(14 * 86_400_000);
  for (const bad of ['', '30', 'd', '-1d', '0d', '1y', '1e3d']) expect(() => parseAge(bad), bad).toThrow(UsageError);
});
