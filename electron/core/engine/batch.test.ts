import { afterAll, beforeAll, beforeEach, describe, expect, expectTypeOf, it } from 'vitest';
import { startSimulator, type Simulator } from '../simulator/index.ts';
import { ChatAgent } from './agent.ts';
import { BudgetExceededError, CancelledError, SkippedError, runBatchEngine, runBatchTaskGen, runBatchTasks, type EngineEvent } from './batch.ts';
import { LlmCallError } from './llm.ts';
import { BatchController } from './scheduler.ts';
import { Task, TurnLimitError, type TaskResult } from './task.ts';
import { answerTool, testAgent, timeSince, type AnswerArgs } from './testing.ts';
import { requestTokens } from './tokens.ts';
import { done } from './tools.ts';

let sim: Simulator;
const agents: ChatAgent[] = [];
function agent(extra?: Parameters<typeof testAgent>[1]): ChatAgent {
  const a = testAgent(sim.url, extra);
  agents.push(a);
  return a;
}

beforeAll(async () => {
  sim = await startSimulator({ latencyMs: 20 });
});
afterAll(async () => {
  for (const a of agents) await a.close();
  await sim.close();
});
beforeEach(() => {
  sim.setOptions({ latencyMs: 20, latencyJitterMs: 0 });
  sim.resetStats();
});

describe('runBatchTasks', () => {
  it('keeps input order whatever the finishing order', async () => {
    const task = new Task(agent());
    const items = Array.from({ length: 24 }, (_, i) => `question ${i} [[sleep:${((i * 37) % 7) * 20}]]`);
    const finished: number[] = [];
    const results = await runBatchTasks(task, items, {
      batchSize: 8,
      outputMap: (r) => r.content,
      onEvent: (e) => {
        if (e.type === 'item-done') finished.push(e.index);
      },
    });
    expect(results).toEqual(items.map((q) => `Simulated reply to: ${q}`));
    expect(finished).not.toEqual([...finished].sort((a, b) => a - b)); // they did finish out of order
  });

  it('keeps at most batchSize items in flight, and reaches it', async () => {
    sim.setOptions({ latencyMs: 80 });
    const task = new Task(agent());
    const items = Array.from({ length: 40 }, (_, i) => `in flight ${i}`);
    const results = await runBatchTasks(task, items, { batchSize: 8 });
    expect(results).toHaveLength(40);
    expect(sim.stats().maxInFlight).toBe(8);
    expect(task.agent.llm.connections).toBeGreaterThanOrEqual(8);
  });

  it('is a sliding window: a slow item does not hold the others back', async () => {
    sim.setOptions({ latencyMs: 60 });
    const task = new Task(agent());
    const items = ['slow one [[sleep:1500]]', ...Array.from({ length: 24 }, (_, i) => `fast ${i}`)];
    const t0 = performance.now();
    const doneAt = new Map<number, number>();
    await runBatchTasks(task, items, {
      batchSize: 4,
      onEvent: (e) => {
        if (e.type === 'item-done') doneAt.set(e.index, timeSince(t0));
      },
    });
    const lastFast = Math.max(...[...doneAt].filter(([i]) => i !== 0).map(([, t]) => t));
    // 24 fast items on the 3 free slots take about 8 x 60 ms; waves of 4 would wait 1.5 s for the slow one first.
    expect(lastFast).toBeLessThan(1400);
    expect(doneAt.get(0)!).toBeGreaterThan(1500);
    expect(lastFast).toBeLessThan(doneAt.get(0)!);
  });

  it('runs one item at a time when sequential', async () => {
    const task = new Task(agent());
    const started: number[] = [];
    const results = await runBatchTasks(task, ['a', 'b', 'c', 'd', 'e'], {
      sequential: true,
      batchSize: 10,
      outputMap: (r) => r.content,
      onEvent: (e) => {
        if (e.type === 'item-started') started.push(e.index);
      },
    });
    expect(sim.stats().maxInFlight).toBe(1);
    expect(started).toEqual([0, 1, 2, 3, 4]);
    expect(results).toEqual(['a', 'b', 'c', 'd', 'e'].map((x) => `Simulated reply to: ${x}`));
  });

  it('isolates clones: own history, fresh state, shared frozen tools and client, base untouched', async () => {
    class CountingAgent extends ChatAgent {
      handled = 0;
      readonly shared = { label: 'db handle' };
      override initState(): void {
        super.initState();
        this.handled = 0;
      }
      answer(args: unknown): string {
        this.handled += 1;
        return `noted ${(args as AnswerArgs).answer}`;
      }
    }
    const base = new CountingAgent({ name: 'counter', model: 'gpt-4o-mini', baseURL: sim.url, apiKey: 'k', systemMessage: 'Count.', tools: [answerTool] });
    agents.push(base);
    base.handled = 41;
    const task = new Task(base, { name: 'count' });
    const clones: Task<TaskResult>[] = [];
    const transcripts = new Map<number, EngineEvent & { type: 'item-done' }>();
    const items = ['first question', 'second question', 'third question', 'fourth question'];
    await runBatchTaskGen(
      (i) => {
        const c = task.clone(i);
        clones.push(c);
        return c;
      },
      items,
      {
        batchSize: 2,
        onEvent: (e) => {
          if (e.type === 'item-done') transcripts.set(e.index, e);
        },
      },
    );
    expect(clones.map((c) => c.name).sort()).toEqual(['count-0', 'count-1', 'count-2', 'count-3']);
    const ids = new Set(clones.map((c) => c.agent.id));
    expect(ids.size).toBe(4);
    expect(ids.has(base.id)).toBe(false);
    for (const c of clones) {
      const a = c.agent as CountingAgent;
      expect(a).toBeInstanceOf(CountingAgent);
      expect(a.handled).toBe(1); // fresh per clone, then one tool call each
      expect(a.shared).toBe(base.shared); // extra fields are carried over
      expect(a.llm).toBe(base.llm);
      expect(a.tools).toBe(base.tools);
      expect(a.config).not.toBe(base.config);
      expect(a.config).toEqual(base.config);
    }
    for (const [index, e] of transcripts) {
      const users = e.transcript.filter((m) => m.role === 'user').map((m) => m.content);
      expect(users).toEqual([items[index]]);
      expect(e.transcript[0]).toEqual({ role: 'system', content: 'Count.' });
      expect(e.transcript.some((m) => m.toolCalls?.[0]?.name === 'answer')).toBe(true);
    }
    // The base task and agent are untouched.
    expect(base.history).toEqual([]);
    expect(base.handled).toBe(41);
    expect(base.spent.calls).toBe(0);
    expect(task.name).toBe('count');
    // Tools are frozen all the way down: no clone can change them for the others.
    expect(Object.isFrozen(base.tools)).toBe(true);
    expect(() => {
      (base.tools[0].parameters as Record<string, unknown>).type = 'array';
    }).toThrow(TypeError);
    expect(() => {
      (clones[0].agent.tools as unknown as unknown[]).push({});
    }).toThrow(TypeError);
  });

  it('returns the typed tool call with doneIfTool', async () => {
    const task = new Task(agent({ tools: [answerTool] }), { doneIfTool: true }).returning(answerTool);
    const answers = await runBatchTasks(task, ['What is 2+2?', 'Capital of France?'], { batchSize: 2 });
    expectTypeOf(answers).toEqualTypeOf<Array<AnswerArgs | null>>();
    expect(answers.map((a) => a?.answer)).toEqual(['Simulated answer: What is 2+2?', 'Simulated answer: Capital of France?']);
    for (const a of answers) expect(a!.confidence).toBeGreaterThanOrEqual(0);
    const mapped = await runBatchTasks(task, ['Largest planet? [[text]]', 'Smallest planet?'], { outputMap: (tool) => (tool ? tool.answer : 'NO_ANSWER') });
    expectTypeOf(mapped).toEqualTypeOf<string[]>();
    expect(mapped).toEqual(['NO_ANSWER', 'Simulated answer: Smallest planet?']);
  });

  it('sends invalid tool arguments back to the model, which costs a turn, then succeeds', async () => {
    const task = new Task(agent({ tools: [answerTool] }), { doneIfTool: true });
    const events: EngineEvent<TaskResult>[] = [];
    const [result] = await runBatchTasks(task, ['Broken first [[badargs]]'], { onEvent: (e) => events.push(e) });
    expect(result.turns).toBe(2);
    expect(result.toolCall?.args).toMatchObject({ answer: 'Simulated answer: Broken first [[badargs]]' });
    const tool = result.transcript.find((m) => m.role === 'tool');
    expect(tool?.content).toMatch(/not valid JSON/);
    expect(events.filter((e) => e.type === 'llm-call')).toHaveLength(2);
  });

  it('enforces the turn limit with a clear error', async () => {
    const task = new Task(agent({ tools: [answerTool] }), { doneIfTool: true, turns: 2 });
    const [limited, enough] = await runBatchTasks(task, ['three bad [[badargsx3]]', 'three bad again [[badargsx3]]'], {
      handleExceptions: 'return-exception',
      outputMap: (r) => r.turns,
    });
    expect(limited).toBeInstanceOf(TurnLimitError);
    expect((limited as Error).message).toBe('no answer within 2 turns');
    expect(enough).toBeInstanceOf(TurnLimitError);
    // The batch's turns option overrides the task's.
    const [ok] = await runBatchTasks(task, ['three bad once more [[badargsx3]]'], { turns: 4, outputMap: (r) => r.turns });
    expect(ok).toBe(4);
  });

  describe('handleExceptions', () => {
    it("'raise' stops at the first failure, cancels those in flight, keeps what was done, and rejects with it", async () => {
      sim.setOptions({ latencyMs: 150 });
      const task = new Task(agent());
      const items = Array.from({ length: 30 }, (_, i) => (i === 5 ? 'bad request [[status:400]] [[sleep:100]]' : `item ${i}`));
      const events: EngineEvent<TaskResult>[] = [];
      const t0 = performance.now();
      const error = await runBatchTasks(task, items, { batchSize: 4, onEvent: (e) => events.push(e) }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(LlmCallError);
      expect((error as LlmCallError).status).toBe(400);
      expect(timeSince(t0)).toBeLessThan(1500);
      const doneIdx = events.filter((e) => e.type === 'item-done').map((e) => (e as { index: number }).index);
      const failed = events.filter((e) => e.type === 'item-failed') as Array<EngineEvent & { type: 'item-failed' }>;
      const skipped = events.filter((e) => e.type === 'item-skipped') as Array<EngineEvent & { type: 'item-skipped' }>;
      expect(doneIdx.length).toBeGreaterThanOrEqual(4);
      expect(failed.find((f) => f.index === 5)?.error).toBe(error);
      for (const f of failed.filter((x) => x.index !== 5)) expect(f.error).toBeInstanceOf(CancelledError);
      expect(skipped.length).toBeGreaterThan(10);
      expect(skipped.every((s) => s.reason === 'error')).toBe(true);
      expect(doneIdx.length + failed.length + skipped.length).toBe(30);
      expect(events.at(-1)).toMatchObject({ type: 'finished', status: 'stopped-error' });
      // Nothing started after the stop.
      await new Promise((r) => setTimeout(r, 200));
      expect(sim.stats().requests).toBe(doneIdx.length + failed.length);
    });

    it("'return-none' puts null in the failed item's slot and runs the rest", async () => {
      const task = new Task(agent());
      const results = await runBatchTasks(task, ['ok 1', 'fails [[status:400]]', 'ok 2'], { handleExceptions: 'return-none', outputMap: (r) => r.content });
      expectTypeOf(results).toEqualTypeOf<Array<string | null>>();
      expect(results).toEqual(['Simulated reply to: ok 1', null, 'Simulated reply to: ok 2']);
    });

    it("'return-exception' puts the Error in the failed item's slot", async () => {
      const task = new Task(agent());
      const results = await runBatchTasks(task, ['ok 1', 'fails [[status:404]]', 'ok 2'], { handleExceptions: 'return-exception', outputMap: (r) => r.content });
      expectTypeOf(results).toEqualTypeOf<Array<string | Error>>();
      expect(results[0]).toBe('Simulated reply to: ok 1');
      expect(results[1]).toBeInstanceOf(LlmCallError);
      expect((results[1] as LlmCallError).status).toBe(404);
      expect(results[2]).toBe('Simulated reply to: ok 2');
    });

    it('a throwing outputMap fails that item only, under the policy', async () => {
      const task = new Task(agent());
      const outputMap = (r: TaskResult) => {
        if (r.content.includes('poison')) throw new Error('cannot map poison');
        return r.content.length;
      };
      const items = ['fine', 'poison', 'also fine'];
      const asErrors = await runBatchTasks(task, items, { handleExceptions: 'return-exception', outputMap });
      expect(asErrors[0]).toBe('Simulated reply to: fine'.length);
      expect((asErrors[1] as Error).message).toBe('cannot map poison');
      expect(asErrors[2]).toBe('Simulated reply to: also fine'.length);
      const asNull = await runBatchTasks(task, items, { handleExceptions: 'return-none', outputMap });
      expect(asNull[1]).toBeNull();
      await expect(runBatchTasks(task, items, { outputMap, sequential: true })).rejects.toThrow('cannot map poison');
    });
  });

  describe('budgets', () => {
    it('maxTokens: no call starts unless its worst case fits; the rest are skipped', async () => {
      const task = new Task(agent({ maxTokensPerCall: 10 }));
      const events: EngineEvent<TaskResult>[] = [];
      const items = Array.from({ length: 10 }, (_, i) => `budget item ${i}`);
      const results = await runBatchTasks(task, items, { sequential: true, maxTokens: 150, handleExceptions: 'return-none', onEvent: (e) => events.push(e) });
      const doneCount = results.filter((r) => r !== null).length;
      expect(doneCount).toBeGreaterThan(0);
      expect(doneCount).toBeLessThan(10);
      const skipped = events.filter((e) => e.type === 'item-skipped') as Array<EngineEvent & { type: 'item-skipped' }>;
      expect(skipped).toHaveLength(10 - doneCount);
      expect(skipped.every((s) => s.reason === 'budget')).toBe(true);
      expect(events.at(-1)).toMatchObject({ type: 'finished', status: 'stopped-budget' });
      const progress = events.filter((e) => e.type === 'progress').at(-1) as EngineEvent & { type: 'progress' };
      expect(progress.promptTokens + progress.completionTokens).toBeLessThanOrEqual(150);
      expect(sim.stats().requests).toBe(doneCount);
    });

    it('maxCost counts this batch only, with the agent’s pricing; raise rejects with the budget error', async () => {
      // $1 per thousand tokens: each call here costs about two cents.
      const task = new Task(agent({ pricing: { inputPerMTok: 1000, outputPerMTok: 1000 }, maxTokensPerCall: 10 }));
      const first = await runBatchTasks(task, ['warm up one', 'warm up two'], { outputMap: (r) => r.costUsd });
      expect(first[0]).toBeGreaterThan(0.01);
      // The previous batch's spending does not count against this one.
      const skippedSlots = await runBatchTasks(task, Array.from({ length: 8 }, (_, i) => `cost item ${i}`), {
        batchSize: 2,
        maxCost: 0.05,
        handleExceptions: 'return-exception',
      });
      const skipped = skippedSlots.filter((s) => s instanceof SkippedError);
      expect(skipped.length).toBeGreaterThan(0);
      expect(skipped.length).toBeLessThan(8);
      expect((skipped[0] as SkippedError).reason).toBe('budget');
      await expect(runBatchTasks(task, ['a', 'b', 'c', 'd', 'e', 'f'], { sequential: true, maxCost: 0.03 })).rejects.toBeInstanceOf(BudgetExceededError);
    });

    it('checks the budget before every turn', async () => {
      class Looper extends ChatAgent {
        answer(): string {
          return 'keep going';
        }
      }
      const looper = new Looper({ name: 'looper', model: 'gpt-4o-mini', baseURL: sim.url, apiKey: 'k', tools: [answerTool], maxTokensPerCall: 10 });
      agents.push(looper);
      // The handler's string goes back; the simulator then answers text. Two turns per item, unless the budget stops it:
      // room for the first turn's worst case, not for the second's (its request is longer).
      const firstTurn = requestTokens({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'one item' }], tools: looper.tools }) + 10;
      const events: EngineEvent<TaskResult>[] = [];
      const [r] = await runBatchTasks(new Task(looper), ['one item'], { maxTokens: firstTurn, handleExceptions: 'return-exception', onEvent: (e) => events.push(e) });
      expect(r).toBeInstanceOf(SkippedError);
      expect((r as SkippedError).reason).toBe('budget');
      expect(sim.stats().requests).toBe(1);
      expect(events.at(-1)).toMatchObject({ type: 'finished', status: 'stopped-budget' });
    });
  });

  it('honours retry-after without holding the other items back', async () => {
    const task = new Task(agent());
    const t0 = performance.now();
    const doneAt = new Map<number, number>();
    const calls: Array<EngineEvent & { type: 'llm-call' }> = [];
    const items = ['limited [[status:429x1]]', ...Array.from({ length: 12 }, (_, i) => `free ${i}`)];
    await runBatchTasks(task, items, {
      batchSize: 4,
      onEvent: (e) => {
        if (e.type === 'item-done') doneAt.set(e.index, timeSince(t0));
        if (e.type === 'llm-call' && e.index === 0) calls.push(e);
      },
    });
    expect(calls.map((c) => c.status)).toEqual([429, 200]);
    expect(calls[0].retryInMs).toBeGreaterThanOrEqual(1000);
    expect(doneAt.get(0)!).toBeGreaterThanOrEqual(1000);
    const others = [...doneAt].filter(([i]) => i !== 0).map(([, t]) => t);
    expect(Math.max(...others)).toBeLessThan(800);
  });

  it('aborts mid-batch at once: calls in flight stop, the rest never start', async () => {
    sim.setOptions({ latencyMs: 1000 });
    const task = new Task(agent());
    const controller = new AbortController();
    const events: EngineEvent<TaskResult>[] = [];
    const items = Array.from({ length: 20 }, (_, i) => `abort me ${i}`);
    setTimeout(() => controller.abort(new Error('user stop')), 150);
    const t0 = performance.now();
    const error = await runBatchTasks(task, items, { batchSize: 5, signal: controller.signal, onEvent: (e) => events.push(e) }).catch((e: unknown) => e);
    expect((error as Error).message).toBe('user stop');
    // The calls in flight would take 1 s: they were stopped, not waited for.
    expect(timeSince(t0)).toBeLessThan(700);
    expect(events.filter((e) => e.type === 'item-failed')).toHaveLength(5);
    const skipped = events.filter((e) => e.type === 'item-skipped') as Array<EngineEvent & { type: 'item-skipped' }>;
    expect(skipped).toHaveLength(15);
    expect(skipped.every((s) => s.reason === 'cancelled')).toBe(true);
    expect(events.at(-1)).toMatchObject({ type: 'finished', status: 'cancelled' });
    expect(sim.stats().requests).toBe(5);
  });

  it('pauses (no new item or call; calls in flight finish) and resumes', async () => {
    sim.setOptions({ latencyMs: 100 });
    const task = new Task(agent());
    const control = new BatchController();
    const events: string[] = [];
    const run = runBatchTasks(task, Array.from({ length: 12 }, (_, i) => `pause ${i}`), {
      batchSize: 3,
      control,
      onEvent: (e) => {
        if (e.type !== 'progress' && e.type !== 'llm-call') events.push(e.type);
      },
    });
    await new Promise((r) => setTimeout(r, 150));
    control.pause();
    await new Promise((r) => setTimeout(r, 150)); // the calls in flight finish
    const atPause = sim.stats().requests;
    await new Promise((r) => setTimeout(r, 300));
    expect(sim.stats().requests).toBe(atPause);
    expect(sim.stats().inFlight).toBe(0);
    control.resume();
    const results = await run;
    expect(results).toHaveLength(12);
    expect(events).toContain('paused');
    expect(events).toContain('resumed');
    expect(events.indexOf('resumed')).toBeGreaterThan(events.indexOf('paused'));
  });

  it('ends a task from a handler with done(), and without a handler the call is the result', async () => {
    class Finisher extends ChatAgent {
      answer(args: unknown) {
        return done({ final: (args as AnswerArgs).answer.toUpperCase() });
      }
    }
    const finisher = new Finisher({ name: 'finisher', model: 'm', baseURL: sim.url, apiKey: 'k', tools: [answerTool] });
    agents.push(finisher);
    const [viaDone] = await runBatchTasks(new Task(finisher), ['shout']);
    expect(viaDone.endedBy).toBe('done');
    expect(viaDone.value).toEqual({ final: 'SIMULATED ANSWER: SHOUT' });
    const [viaCall] = await runBatchTasks(new Task(agent({ tools: [answerTool] })), ['plain call']);
    expect(viaCall.endedBy).toBe('tool');
    expect(JSON.parse(viaCall.content)).toMatchObject({ answer: 'Simulated answer: plain call' });
  });

  it('finishes at once on no items, and flags a model without a price', async () => {
    const events: EngineEvent<TaskResult>[] = [];
    expect(await runBatchTasks(new Task(agent()), [], { onEvent: (e) => events.push(e) })).toEqual([]);
    expect(events.map((e) => e.type)).toEqual(['progress', 'finished']);
    const calls: Array<EngineEvent & { type: 'llm-call' }> = [];
    const [r] = await runBatchTasks(new Task(agent({ model: 'llama3.1:8b' })), ['unpriced'], {
      onEvent: (e) => {
        if (e.type === 'llm-call') calls.push(e);
      },
    });
    expect(r.costUsd).toBe(0);
    expect(calls[0]).toMatchObject({ priced: false, costUsd: 0, model: 'llama3.1:8b' });
  });
});

describe('runBatchEngine', () => {
  it('under keepOutputs false, hands each output to its event only and holds none to the end', async () => {
    const task = new Task(agent());
    const items = Array.from({ length: 12 }, (_, i) => `kept ${i}`);
    const outputs: unknown[] = [];
    const outcome = await runBatchEngine((i) => task.clone(i), items, {
      batchSize: 4,
      stopOnError: false,
      keepOutputs: false,
      outputMap: (r) => r.content,
      onEvent: (e) => {
        if (e.type === 'item-done') outputs[e.index] = e.output;
      },
    });
    expect(outcome.status).toBe('completed');
    expect(outputs).toEqual(items.map((q) => `Simulated reply to: ${q}`));
    expect(outcome.slots).toHaveLength(12);
    expect(outcome.slots.every((s) => s.kind === 'done' && s.output === undefined)).toBe(true);
  });
});
