import { describe, expect, expectTypeOf, it, vi } from 'vitest';
import { ChatAgent } from './agent.ts';
import { BudgetExceededError, CancelledError, runBatchEngine, runBatchTaskGen, runBatchTasks, type BatchStop, type EngineEvent } from './batch.ts';
import { LlmCallError } from './llm.ts';
import { BatchController } from './scheduler.ts';
import { Task, type TaskResult } from './task.ts';
import { answerTool, type AnswerArgs, simulatorForFile } from './testing.ts';
import { done } from './tools.ts';

const bench = simulatorForFile(20);
const { agent } = bench;

describe('runBatchTasks', () => {
  it('keeps input order whatever the finishing order', async () => {
    // Item i's handler waits for item i+1 to be done: they finish in reverse order, for certain.
    const n = 8;
    const doneGates = Array.from({ length: n + 1 }, () => {
      let resolve!: () => void;
      const promise = new Promise<void>((r) => (resolve = r));
      return { promise, resolve };
    });
    doneGates[n].resolve();
    class Reversed extends ChatAgent {
      async answer(args: unknown) {
        const i = Number(/item (\d+)/.exec((args as AnswerArgs).answer)?.[1]);
        await doneGates[i + 1].promise;
        return done(`answer ${i}`);
      }
    }
    const reversed = new Reversed({ name: 'reversed', model: 'gpt-4o-mini', baseURL: bench.sim.url, apiKey: 'k', tools: [answerTool] });
    bench.track(reversed);
    const finished: number[] = [];
    const results = await runBatchTasks(new Task(reversed), Array.from({ length: n }, (_, i) => `item ${i}`), {
      batchSize: n,
      outputMap: (r) => r?.content,
      onEvent: (e) => {
        if (e.type !== 'item-done') return;
        finished.push(e.index);
        doneGates[e.index].resolve();
      },
    });
    expect(results).toEqual(Array.from({ length: n }, (_, i) => `answer ${i}`));
    expect(finished).toEqual(Array.from({ length: n }, (_, i) => n - 1 - i));
  });

  it('keeps at most batchSize items in flight, and reaches it', async () => {
    const task = new Task(agent());
    // Every fifth item never answers: once eight of them (items 0 to 35) hold every slot, the window is full.
    const items = Array.from({ length: 40 }, (_, i) => `in flight ${i}${i % 5 === 0 ? ' [[hang]]' : ''}`);
    const control = new BatchController();
    let doneCount = 0;
    const run = runBatchTasks(task, items, { batchSize: 8, control, onEvent: (e) => void (e.type === 'item-done' && doneCount++) });
    await vi.waitFor(() => expect(doneCount === 28 && bench.sim.stats().inFlight === 8).toBe(true), { timeout: 30_000, interval: 5 });
    control.cancel();
    const results = await run;
    expect(results.filter((r) => r !== null)).toHaveLength(28);
    expect(bench.sim.stats().maxInFlight).toBe(8);
    expect(task.agent.llm.connections).toBeGreaterThanOrEqual(8);
  });

  it('is a sliding window: a slow item does not hold the others back', async () => {
    // The slow item's handler waits until every fast item is done: waves of batchSize would never get there.
    let fastDone = 0;
    let releaseSlow!: () => void;
    const allFastDone = new Promise<void>((resolve) => (releaseSlow = resolve));
    class Gated extends ChatAgent {
      async answer(args: unknown) {
        if ((args as AnswerArgs).answer.includes('slow')) await allFastDone;
        return done((args as AnswerArgs).answer);
      }
    }
    const gated = new Gated({ name: 'gated', model: 'gpt-4o-mini', baseURL: bench.sim.url, apiKey: 'k', tools: [answerTool] });
    bench.track(gated);
    const items = ['slow one', ...Array.from({ length: 24 }, (_, i) => `fast ${i}`)];
    const order: number[] = [];
    await runBatchTasks(new Task(gated), items, {
      batchSize: 4,
      onEvent: (e) => {
        if (e.type !== 'item-done') return;
        order.push(e.index);
        if (e.index !== 0 && ++fastDone === 24) releaseSlow();
      },
    });
    expect(order.at(-1)).toBe(0);
    expect(bench.sim.stats().maxInFlight).toBeLessThanOrEqual(4);
  });

  it('runs one item at a time when sequential', async () => {
    const task = new Task(agent());
    const started: number[] = [];
    const results = await runBatchTasks(task, ['a', 'b', 'c', 'd', 'e'], {
      sequential: true,
      batchSize: 10,
      outputMap: (r) => r?.content,
      onEvent: (e) => {
        if (e.type === 'item-started') started.push(e.index);
      },
    });
    expect(bench.sim.stats().maxInFlight).toBe(1);
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
    const base = new CountingAgent({ name: 'counter', model: 'gpt-4o-mini', baseURL: bench.sim.url, apiKey: 'k', systemMessage: 'Count.', tools: [answerTool] });
    bench.track(base);
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
      expect(a.shared).not.toBe(base.shared); // the constructor ran again: fields start fresh
      expect(a.shared).toEqual(base.shared);
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
    expectTypeOf(answers).toEqualTypeOf<Array<AnswerArgs | null> & { readonly stopped?: BatchStop }>();
    expect(answers.map((a) => a?.answer)).toEqual(['Simulated answer: What is 2+2?', 'Simulated answer: Capital of France?']);
    for (const a of answers) expect(a!.confidence).toBeGreaterThanOrEqual(0);
    const mapped = await runBatchTasks(task, ['Largest planet? [[text]]', 'Smallest planet?'], { outputMap: (tool) => (tool ? tool.answer : 'NO_ANSWER') });
    expectTypeOf(mapped).toEqualTypeOf<string[] & { readonly stopped?: BatchStop }>();
    expect(mapped).toEqual(['NO_ANSWER', 'Simulated answer: Smallest planet?']);
  });

  it('sends invalid tool arguments back to the model, which costs a turn, then succeeds', async () => {
    const task = new Task(agent({ tools: [answerTool] }), { doneIfTool: true });
    const events: EngineEvent<TaskResult | null>[] = [];
    const [result] = await runBatchTasks(task, ['Broken first [[badargs]]'], { onEvent: (e) => events.push(e) });
    expect(result?.turns).toBe(2);
    expect(result?.toolCall?.args).toMatchObject({ answer: 'Simulated answer: Broken first [[badargs]]' });
    const tool = result?.transcript.find((m) => m.role === 'tool');
    expect(tool?.content).toMatch(/not valid JSON/);
    expect(events.filter((e) => e.type === 'llm-call')).toHaveLength(2);
  });

  describe('handleExceptions', () => {
    it("'raise' stops at the first failure, cancels those in flight, keeps what was done, and rejects with it", async () => {
      const task = new Task(agent());
      // The items after the bad one never answer: the batch ends only because the stop cancels them.
      const items = Array.from({ length: 30 }, (_, i) => (i < 4 ? `item ${i}` : i === 4 ? 'bad request [[status:400]]' : `hangs ${i} [[hang]]`));
      const events: EngineEvent<TaskResult | null>[] = [];
      const error = await runBatchTasks(task, items, { batchSize: 4, onEvent: (e) => events.push(e) }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(LlmCallError);
      expect((error as LlmCallError).status).toBe(400);
      const doneIdx = events.filter((e) => e.type === 'item-done').map((e) => (e as { index: number }).index);
      const failed = events.filter((e) => e.type === 'item-failed') as Array<EngineEvent & { type: 'item-failed' }>;
      const skipped = events.filter((e) => e.type === 'item-skipped') as Array<EngineEvent & { type: 'item-skipped' }>;
      expect(doneIdx.every((i) => i < 4)).toBe(true);
      expect(failed.find((f) => f.index === 4)?.error).toBe(error);
      for (const f of failed.filter((x) => x.index !== 4)) expect(f.error).toBeInstanceOf(CancelledError);
      expect(skipped.length).toBeGreaterThan(20);
      expect(skipped.every((s) => s.reason === 'error')).toBe(true);
      expect(doneIdx.length + failed.length + skipped.length).toBe(30);
      expect(events.at(-1)).toMatchObject({ type: 'finished', status: 'stopped-error' });
      // Nothing started after the stop.
      const stoppedAt = events.findIndex((e) => e.type === 'item-failed' && e.index === 4);
      expect(events.slice(stoppedAt).some((e) => e.type === 'item-started')).toBe(false);
    });

    it("'return-none' puts null in the failed item's slot and runs the rest", async () => {
      const task = new Task(agent());
      const results = await runBatchTasks(task, ['ok 1', 'fails [[status:400]]', 'ok 2'], { handleExceptions: 'return-none', outputMap: (r) => r?.content ?? '' });
      expectTypeOf(results).toEqualTypeOf<Array<string | null> & { readonly stopped?: BatchStop }>();
      expect(results).toEqual(['Simulated reply to: ok 1', null, 'Simulated reply to: ok 2']);
    });

    it("'return-exception' puts the Error in the failed item's slot", async () => {
      const task = new Task(agent());
      const results = await runBatchTasks(task, ['ok 1', 'fails [[status:404]]', 'ok 2'], { handleExceptions: 'return-exception', outputMap: (r) => r?.content ?? '' });
      expectTypeOf(results).toEqualTypeOf<Array<string | Error> & { readonly stopped?: BatchStop }>();
      expect(results[0]).toBe('Simulated reply to: ok 1');
      expect(results[1]).toBeInstanceOf(LlmCallError);
      expect((results[1] as LlmCallError).status).toBe(404);
      expect(results[2]).toBe('Simulated reply to: ok 2');
    });

    it('a throwing outputMap fails that item only, under the policy', async () => {
      const task = new Task(agent());
      const outputMap = (r: TaskResult | null) => {
        if (!r) return -1;
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
      const events: EngineEvent<TaskResult | null>[] = [];
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
      expect(bench.sim.stats().requests).toBe(doneCount);
    });

    it('maxCost counts this batch only, with the agent’s pricing; the stop is reported, not raised', async () => {
      // $1 per thousand tokens: each call here costs about two cents.
      const task = new Task(agent({ pricing: { inputPerMTok: 1000, outputPerMTok: 1000 }, maxTokensPerCall: 10 }));
      const first = await runBatchTasks(task, ['warm up one', 'warm up two'], { outputMap: (r) => r?.costUsd });
      expect(first[0]).toBeGreaterThan(0.01);
      // The previous batch's spending does not count against this one.
      const slots = await runBatchTasks(task, Array.from({ length: 8 }, (_, i) => `cost item ${i}`), {
        batchSize: 2,
        maxCost: 0.05,
        handleExceptions: 'return-exception',
      });
      const skipped = slots.filter((s) => s === null);
      expect(skipped.length).toBeGreaterThan(0);
      expect(skipped.length).toBeLessThan(8);
      expect(slots.some((s) => s instanceof Error)).toBe(false);
      expect(slots.stopped?.reason).toBe('budget');
      const raised = await runBatchTasks(task, ['a', 'b', 'c', 'd', 'e', 'f'], { sequential: true, maxCost: 0.03 });
      expect(raised.stopped?.error).toBeInstanceOf(BudgetExceededError);
      expect(raised.stopped?.error?.message).toMatch(/^the budget of \$0\.03 was reached/);
    });
  });

  it('honours retry-after without holding the other items back', async () => {
    const task = new Task(agent());
    const order: string[] = [];
    const calls: Array<EngineEvent & { type: 'llm-call' }> = [];
    const items = ['limited [[status:429x1]]', ...Array.from({ length: 12 }, (_, i) => `free ${i}`)];
    await runBatchTasks(task, items, {
      batchSize: 4,
      onEvent: (e) => {
        if (e.type === 'item-done') order.push(`done ${e.index}`);
        if (e.type === 'llm-call' && e.index === 0) {
          calls.push(e);
          order.push(`call ${e.status}`);
        }
      },
    });
    expect(calls.map((c) => c.status)).toEqual([429, 200]);
    expect(calls[0].retryInMs).toBeGreaterThanOrEqual(1000);
    // The other items ran on the three free slots while item 0 waited out its second.
    const waited = order.slice(order.indexOf('call 429'), order.indexOf('call 200'));
    expect(waited.filter((x) => x.startsWith('done')).length).toBeGreaterThanOrEqual(3);
  });

  it('cancels mid-batch at once by its signal: calls in flight stop, the rest never start, what finished is kept', async () => {
    const task = new Task(agent());
    const controller = new AbortController();
    const events: EngineEvent<TaskResult | null>[] = [];
    // The first five never answer: only the cancel ends them.
    const items = Array.from({ length: 20 }, (_, i) => `abort me ${i}${i < 5 ? ' [[hang]]' : ''}`);
    const run = runBatchTasks(task, items, { batchSize: 5, signal: controller.signal, onEvent: (e) => events.push(e) });
    await vi.waitFor(() => expect(bench.sim.stats().inFlight).toBe(5), { timeout: 30_000, interval: 5 });
    controller.abort(new Error('user stop'));
    const results = await run;
    expect(results).toEqual(new Array(20).fill(null));
    expect(results.stopped).toEqual({ reason: 'cancelled', error: new Error('user stop') });
    expect(events.filter((e) => e.type === 'item-failed')).toHaveLength(5);
    const skipped = events.filter((e) => e.type === 'item-skipped') as Array<EngineEvent & { type: 'item-skipped' }>;
    expect(skipped).toHaveLength(15);
    expect(skipped.every((s) => s.reason === 'cancelled')).toBe(true);
    expect(events.at(-1)).toMatchObject({ type: 'finished', status: 'cancelled' });
    expect(bench.sim.stats().requests).toBe(5);
  });

  it('pauses (no new item or call; calls in flight finish) and resumes', async () => {
    bench.sim.setOptions({ latencyMs: 50 });
    const task = new Task(agent());
    const control = new BatchController();
    const events: string[] = [];
    let idleWhilePaused = false;
    const run = runBatchTasks(task, Array.from({ length: 12 }, (_, i) => `pause ${i}`), {
      batchSize: 3,
      control,
      onEvent: (e) => {
        if (e.type === 'progress' && control.paused && e.running === 0) idleWhilePaused = true;
        if (e.type !== 'progress' && e.type !== 'llm-call') events.push(e.type);
        // Paused from inside the batch, at its third answer: the batch cannot have ended yet.
        if (e.type === 'item-done' && events.filter((x) => x === 'item-done').length === 3) control.pause();
      },
    });
    // The calls in flight finish; then nothing runs until the resume.
    await vi.waitFor(() => expect(idleWhilePaused).toBe(true), { timeout: 30_000, interval: 5 });
    expect(bench.sim.stats().inFlight).toBe(0);
    control.resume();
    const results = await run;
    expect(results).toHaveLength(12);
    expect(events).toContain('paused');
    expect(events).toContain('resumed');
    expect(events.indexOf('resumed')).toBeGreaterThan(events.indexOf('paused'));
    expect(events.slice(events.indexOf('paused'), events.indexOf('resumed'))).not.toContain('item-started');
  });

  it('ends a task from a handler with done(), and without a handler the call is the result', async () => {
    class Finisher extends ChatAgent {
      answer(args: unknown) {
        return done({ final: (args as AnswerArgs).answer.toUpperCase() });
      }
    }
    const finisher = new Finisher({ name: 'finisher', model: 'm', baseURL: bench.sim.url, apiKey: 'k', tools: [answerTool] });
    bench.track(finisher);
    const [viaDone] = await runBatchTasks(new Task(finisher), ['shout']);
    expect(viaDone?.endedBy).toBe('done');
    expect(viaDone?.value).toEqual({ final: 'SIMULATED ANSWER: SHOUT' });
    const [viaCall] = await runBatchTasks(new Task(agent({ tools: [answerTool] })), ['plain call']);
    expect(viaCall?.endedBy).toBe('tool');
    expect(JSON.parse(viaCall!.content)).toMatchObject({ answer: 'Simulated answer: plain call' });
  });

  it('finishes at once on no items, and flags a model without a price', async () => {
    const events: EngineEvent<TaskResult | null>[] = [];
    expect(await runBatchTasks(new Task(agent()), [], { onEvent: (e) => events.push(e) })).toEqual([]);
    expect(events.map((e) => e.type)).toEqual(['progress', 'finished']);
    const calls: Array<EngineEvent & { type: 'llm-call' }> = [];
    const [r] = await runBatchTasks(new Task(agent({ model: 'llama3.1:8b' })), ['unpriced'], {
      onEvent: (e) => {
        if (e.type === 'llm-call') calls.push(e);
      },
    });
    expect(r?.costUsd).toBe(0);
    expect(calls[0]).toMatchObject({ priced: false, costUsd: 0, model: 'llama3.1:8b' });
  });
});

describe('runBatchEngine', () => {
  it('under keepOutputs false, hands each output to its event only and holds no slot to the end', async () => {
    const task = new Task(agent());
    const items = Array.from({ length: 12 }, (_, i) => `kept ${i}`);
    const outputs: unknown[] = [];
    const outcome = await runBatchEngine((i) => task.clone(i), items, {
      batchSize: 4,
      stopOnError: false,
      keepOutputs: false,
      outputMap: (r) => r?.content,
      onEvent: (e) => {
        if (e.type === 'item-done') outputs[e.index] = e.output;
      },
    });
    expect(outcome.status).toBe('completed');
    expect(outputs).toEqual(items.map((q) => `Simulated reply to: ${q}`));
    expect(outcome.slots).toHaveLength(0);
  });
});
