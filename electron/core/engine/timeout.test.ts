// The per-call timeout through the spec-driven batch and the test server: a hung call is retried once,
// then its row fails saying it timed out, while the other rows run on.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AgentSpecSchema, RunOptionsSchema, type BatchEvent } from '../../../shared/domain.ts';
import { startSimulator, type Simulator } from '../simulator/index.ts';
import { startSpecBatch } from './spec-batch.ts';

let sim: Simulator;
beforeAll(async () => {
  sim = await startSimulator({ latencyMs: 5 });
});
afterAll(async () => {
  await sim.close();
});
beforeEach(() => sim.resetStats());

async function run(spec: Record<string, unknown>, prompts: string[], options: Record<string, unknown>) {
  const events: BatchEvent[] = [];
  const handle = startSpecBatch({
    spec: AgentSpecSchema.parse({ name: 'qa', model: 'gpt-4o-mini', baseURL: sim.url, prompt: '{{q}}', ...spec }),
    items: prompts.map((prompt, index) => ({ index, prompt })),
    options: RunOptionsSchema.parse(options),
    apiKey: 'sk-test',
    onEvent: (e) => events.push(e),
  });
  const finished = await handle.done;
  return { events, finished };
}

describe('a per-call timeout', () => {
  it("from the agent file: hung rows are tried twice, then fail saying they timed out; the rest are done", async () => {
    const hung = new Set([3, 17, 40, 41, 99]);
    const prompts = Array.from({ length: 100 }, (_, i) => `row ${i}${hung.has(i) ? ' [[hang]]' : ''}`);
    // Long enough that an answered call never times out on a loaded machine; hung ones wait it out twice.
    const { events, finished } = await run({ timeoutMs: 1000 }, prompts, { batchSize: 32 });
    expect(finished.status).toBe('completed');
    const failed = events.filter((e) => e.type === 'item-failed') as Array<Extract<BatchEvent, { type: 'item-failed' }>>;
    expect(failed.map((f) => f.index).sort((a, b) => a - b)).toEqual([...hung]);
    for (const f of failed) expect(f.error).toMatch(/timed out after 1 s \(gave up after 2 attempts\)/);
    expect(events.filter((e) => e.type === 'item-done')).toHaveLength(95);
    // Each hung row: its first attempt and one retry, no more.
    const requests = sim.stats().byPrompt;
    for (const i of hung) expect(requests.get(prompts[i])).toBe(2);
  });

  it("the run options' timeout overrides the agent's", async () => {
    const { events } = await run({ timeoutMs: 3_600_000 }, ['fine', 'stuck [[hang]]'], { timeoutMs: 1000 });
    const failed = events.find((e) => e.type === 'item-failed') as Extract<BatchEvent, { type: 'item-failed' }>;
    expect(failed.index).toBe(1);
    expect(failed.error).toMatch(/timed out after 1 s/);
  });

  it('a call that hangs once and then answers is done', async () => {
    const { events } = await run({ timeoutMs: 1000 }, ['slow start [[hangx1]]'], {});
    expect(events.filter((e) => e.type === 'item-done')).toHaveLength(1);
    expect(sim.stats().byPrompt.get('slow start [[hangx1]]')).toBe(2);
  });
});
