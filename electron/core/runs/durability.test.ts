// A paid answer is never paid twice because of a crash: the real CLI runs a run against the
// simulator and gets SIGKILL at several moments, each followed by `rowrunner resume`. Every item
// takes one call, so after each kill the requests the simulator received minus the items done in the
// store is what the crashes cost so far; each kill may add at most the calls in flight (the batch
// size), never answers that had arrived and waited to be written.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { lastJson, spawnCli } from '../cli/test-helpers.ts';
import { prng } from '../simulator/hash.ts';
import { startSimulator, type Simulator } from '../simulator/index.ts';
import { WORKER_FAULT_ENV } from './fault-injection.ts';
import { checkStore, withReadonlyDb } from './test-store.ts';
import { until } from '../testing/until.ts';

const ITEMS = 1500;
const BATCH = 16;
/** Kill once this many items are done (each in a session of its own). */
const KILL_AT = [100, 300, 500, 700, 900, 1100];

let sim: Simulator;
let dir: string;

beforeAll(async () => {
  // Short calls: many answers arrive within any few milliseconds, the most to lose to a kill.
  sim = await startSimulator({ latencyMs: 5, latencyJitterMs: 5 });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rr-durability-'));
});
afterAll(async () => {
  await sim.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const doneCount = (dbPath: string, runId: number): number =>
  withReadonlyDb(dbPath, (db) => db.prepare(`SELECT done FROM run_counts WHERE run_id = ?`).pluck().get(runId) as number);

it(`a run killed with SIGKILL ${KILL_AT.length} times re-sends at most the calls in flight at each kill`, { timeout: 180_000 }, async () => {
  const tag = `durable-${process.pid}`;
  const csv = path.join(dir, 'items.csv');
  fs.writeFileSync(csv, ['id,question', ...Array.from({ length: ITEMS }, (_, i) => `${i},question ${i} ${tag}`)].join('\n') + '\n');
  const agent = path.join(dir, 'agent.json');
  fs.writeFileSync(
    agent,
    JSON.stringify({
      name: 'qa',
      model: 'sim-model',
      prompt: 'Answer briefly: {{question}}',
      tools: [{ name: 'answer', description: 'Give the answer', parameters: { type: 'object', properties: { answer: { type: 'string' } }, required: ['answer'] } }],
      doneIfTool: true,
      output: { answer: 'answer' },
      pricing: { inputPerMTok: 0.15, outputPerMTok: 0.6 },
    }),
  );
  const dbPath = path.join(dir, 'rowrunner.db');
  const env = { OPENAI_BASE_URL: sim.url, OPENAI_API_KEY: 'sk-test', ROWRUNNER_DB: dbPath, [WORKER_FAULT_ENV]: undefined };
  const random = prng(20261204);

  let runId = 0;
  let lostSoFar = 0;
  const lost: number[] = [];
  for (const [k, target] of KILL_AT.entries()) {
    const args = k === 0 ? ['run', csv, '--agent', agent, '--batch-size', String(BATCH), '--json'] : ['resume', String(runId), '--json'];
    const p = spawnCli(args, env);
    const m = await p.waitForStderr(/Run (\d+): /);
    runId = Number(m[1]);
    await until(() => doneCount(dbPath, runId) >= target);
    // Anywhere within the next few tens of answers.
    const pause = Math.floor(random() * 60);
    if (pause > 0) await new Promise((r) => setTimeout(r, pause));
    p.child.kill('SIGKILL');
    expect((await p.result).signal).toBe('SIGKILL');
    // Every request the process had written has reached the simulator and been closed.
    await until(() => sim.stats().inFlight === 0);
    checkStore(dbPath, runId);
    const spent = sim.stats().requests - doneCount(dbPath, runId);
    lost.push(spent - lostSoFar);
    lostSoFar = spent;
  }

  const final = spawnCli(['resume', String(runId), '--json'], env);
  const res = await final.result;
  expect(res.code, res.stderr).toBe(0);
  expect(lastJson(res.stdout)).toMatchObject({ status: 'completed', items: ITEMS, done: ITEMS, failed: 0 });
  checkStore(dbPath, runId);

  console.log(`durability: ${KILL_AT.length} kills of a ${ITEMS}-item run at batch ${BATCH}; answers lost to each: ${lost.join(', ')}; ${sim.stats().requests} requests in all`);
  for (const n of lost) expect(n).toBeLessThanOrEqual(BATCH);
  expect(sim.stats().requests).toBeLessThanOrEqual(ITEMS + KILL_AT.length * BATCH);
  expect(sim.stats().requests).toBe(ITEMS + lost.reduce((a, b) => a + b, 0));
});
