// The batch's own pause for an outage, against the test server: rows whose every attempt is answered
// 500 (three in a row) pause the batch instead of failing; the probe finds the server answering, and
// the rows run again and succeed. Without pauseOnOutage (the batch functions' default) they fail.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../simulator/index.ts';
import type { ChatAgent } from './agent.ts';
import { runBatchTasks, type EngineEvent } from './batch.ts';
import { Task } from './task.ts';
import { testAgent } from './testing.ts';

let sim: Simulator;
let agent: ChatAgent;

beforeAll(async () => {
  sim = await startSimulator({ latencyMs: 5 });
  agent = testAgent(sim.url);
});
afterAll(async () => {
  await agent.close();
  await sim.close();
});

/** Three rows the server answers 500 four times each (every attempt of one call for the test agent), then normally. */
const rows = (tag: string) => ['a', 'b', 'c'].map((x) => `[[status:500x4]] ${tag} ${x}`);

it('pauses for three rows in a row failing with 5xx, probes, and runs them again: none fails', { timeout: 120_000 }, async () => {
  const events: EngineEvent[] = [];
  const results = await runBatchTasks(new Task(agent, { turns: 1 }), rows('paused'), {
    batchSize: 3,
    pauseOnOutage: true,
    handleExceptions: 'return-exception',
    onEvent: (e) => events.push(e),
  });
  expect(results.map((r) => (r instanceof Error ? r.message : 'ok'))).toEqual(['ok', 'ok', 'ok']);
  expect(events.filter((e) => e.type === 'item-failed')).toEqual([]);
  const pauses = events.filter((e) => e.type === 'paused');
  expect(pauses[0]).toMatchObject({ reason: 'endpoint', retryInMs: 1000 });
  expect(pauses[0]).toHaveProperty('message', expect.stringMatching(/^the endpoint is not answering: paused \(next try in 1 s\); last error: HTTP 500/));
  // Each row started twice: once before the pause, once after the probe found the server answering.
  expect(events.filter((e) => e.type === 'item-started')).toHaveLength(6);
  expect(events.findIndex((e) => e.type === 'resumed')).toBeGreaterThan(events.indexOf(pauses[0]));
  const last = events.findLast((e) => e.type === 'progress');
  expect(last).toMatchObject({ done: 3, failed: 0, skipped: 0 });
});

it('without pauseOnOutage the same rows fail, as before', { timeout: 120_000 }, async () => {
  const events: EngineEvent[] = [];
  const results = await runBatchTasks(new Task(agent, { turns: 1 }), rows('plain'), {
    batchSize: 3,
    handleExceptions: 'return-exception',
    onEvent: (e) => events.push(e),
  });
  expect(results.map((r) => (r instanceof Error ? r.message : 'ok'))).toEqual(Array(3).fill(expect.stringMatching(/^HTTP 500\b.*\(gave up after 4 attempts\)$/)));
  expect(events.some((e) => e.type === 'paused')).toBe(false);
});
