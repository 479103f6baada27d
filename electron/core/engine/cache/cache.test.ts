// The engine's response cache, over real HTTP to the simulator: what is answered without a request,
// and what is never kept.
import { expect, it } from 'vitest';
import { ChatAgent } from '../agent.ts';
import { runBatchEngine, runBatchTasks, type EngineEvent } from '../batch.ts';
import { Task, type TaskResult } from '../task.ts';
import { answerTool, simulatorForFile } from '../testing.ts';
import { defineTool } from '../tools.ts';
import { MemoryResponseCache } from './cache.ts';

const bench = simulatorForFile(5);
/** Chat completion requests the simulator received (its /v1/models probes are counted apart). */
const chatRequests = () => bench.sim.stats().requests - bench.sim.stats().modelRequests;
const questions = Array.from({ length: 12 }, (_, i) => `question ${i}`);

it('answers a second identical batch from the cache: no request, no cost, marked in the transcript', async () => {
  const cache = new MemoryResponseCache();
  const task = new Task(bench.agent({ tools: [answerTool] }), { doneIfTool: true });
  const first = await runBatchTasks(task, questions, { batchSize: 4, cache, outputMap: (r) => r?.content });
  expect(chatRequests()).toBe(12);
  expect(cache.size).toBe(12);

  bench.sim.resetStats();
  const calls: EngineEvent[] = [];
  const done: Extract<EngineEvent, { type: 'item-done' }>[] = [];
  const again = await runBatchEngine((i) => task.clone(i), questions, {
    batchSize: 4,
    stopOnError: true,
    cache,
    outputMap: (r: TaskResult) => r.content,
    onEvent: (e) => {
      if (e.type === 'llm-call') calls.push(e);
      if (e.type === 'item-done') done.push(e);
    },
  });
  expect(chatRequests()).toBe(0);
  expect(again.slots.map((s) => (s.kind === 'done' ? s.output : s.kind))).toEqual(first);
  expect(again.costUsd).toBe(0);
  expect(again.promptTokens + again.completionTokens).toBe(0);
  expect(calls).toHaveLength(12);
  for (const c of calls) expect(c).toMatchObject({ fromCache: true, costUsd: 0, promptTokens: 0, completionTokens: 0 });
  expect(calls.every((c) => c.type === 'llm-call' && (c.savedTokens ?? 0) > 0 && (c.savedUsd ?? 0) > 0)).toBe(true);
  expect(done.every((d) => d.transcript.some((m) => m.role === 'assistant' && m.fromCache === true))).toBe(true);
});

it('sends only the items whose request changed', async () => {
  const cache = new MemoryResponseCache();
  const task = new Task(bench.agent(), {});
  await runBatchTasks(task, questions, { batchSize: 4, cache });
  bench.sim.resetStats();
  const edited = questions.map((q, i) => (i % 4 === 0 ? `${q} (edited)` : q));
  await runBatchTasks(task, edited, { batchSize: 4, cache });
  expect(chatRequests()).toBe(3);
  expect([...bench.sim.stats().byPrompt.keys()].sort()).toEqual(['question 0 (edited)', 'question 4 (edited)', 'question 8 (edited)']);
});

it('never keeps an answer with invalid tool arguments, nor one whose output failed', async () => {
  const cache = new MemoryResponseCache();
  const task = new Task(bench.agent({ tools: [answerTool] }), { doneIfTool: true });
  // The first tool call for this prompt has broken arguments: sent back, and the second answer is good.
  await runBatchTasks(task, ['broken once [[badargs]]'], { cache });
  expect(chatRequests()).toBe(2);
  expect(cache.size).toBe(1);

  const failing = new MemoryResponseCache();
  const outcome = await runBatchEngine((i) => task.clone(i), ['refused'], {
    stopOnError: false,
    cache: failing,
    outputMap: () => {
      throw new Error('the output failed validation');
    },
  });
  expect(outcome.slots[0].kind).toBe('failed');
  expect(failing.size).toBe(0);
});

it('reuses a multi-turn item turn by turn: a changed tool result sends only what follows it', async () => {
  let stock = 'three left';
  const lookup = defineTool<{ item: string }>({
    name: 'lookup',
    description: 'Look the item up',
    parameters: { type: 'object', properties: { item: { type: 'string' } }, required: ['item'], additionalProperties: false },
  });
  class Clerk extends ChatAgent {
    lookup() {
      return stock;
    }
  }
  const clerk = bench.track(new Clerk({ name: 'clerk', model: 'gpt-4o-mini', baseURL: bench.sim.url, apiKey: 'k', tools: [lookup] }));
  const cache = new MemoryResponseCache();
  const task = new Task(clerk, { turns: 4 });
  const run = () => runBatchTasks(task, ['how many apples?'], { cache, outputMap: (r) => r?.content });
  expect(await run()).toEqual(['Done: three left']);
  expect(chatRequests()).toBe(2);

  bench.sim.resetStats();
  expect(await run()).toEqual(['Done: three left']);
  expect(chatRequests()).toBe(0);

  stock = 'none left';
  expect(await run()).toEqual(['Done: none left']);
  expect(chatRequests()).toBe(1);
});

it('lets a cached answer through a budget that no call could fit: it reserves nothing', async () => {
  const cache = new MemoryResponseCache();
  const task = new Task(bench.agent(), {});
  await runBatchTasks(task, questions.slice(0, 3), { cache });
  bench.sim.resetStats();
  const results = await runBatchTasks(task, questions.slice(0, 3), { cache, maxCost: 0.000001, outputMap: (r) => r?.content });
  expect(results.stopped).toBeUndefined();
  expect(results.every((r) => typeof r === 'string' && r.startsWith('Simulated reply'))).toBe(true);
  expect(chatRequests()).toBe(0);
});

it('refuses a cache that is not one, naming the option', async () => {
  const task = new Task(bench.agent(), {});
  await expect(runBatchTasks(task, ['x'], { cache: {} as MemoryResponseCache })).rejects.toThrow(/cache must be an object with get and put/);
});
