// The batch contract, continued: a budget, a cancel and the first result are stops that return what
// finished; the turn limit returns the last result; the agent-level batch. Every wait is for a state.
import { describe, expect, it, vi } from 'vitest';
import { ChatAgent, type ToolCallInfo } from './agent.ts';
import { llmResponseBatch, runBatchAgentMethod } from './agent-batch.ts';
import { BudgetExceededError, CancelledError, runBatchTasks, type EngineEvent } from './batch.ts';
import { BatchController } from './scheduler.ts';
import { Task, type TaskResult } from './task.ts';
import { answerTool, simulatorForFile } from './testing.ts';
import { requestTokens } from './tokens.ts';

const bench = simulatorForFile(5);
const { agent, track } = bench;

const NO_RESULT = 'NO_RESULT';
const content = (r: TaskResult | null) => (r ? r.content : NO_RESULT);

describe('a budget stop is not an item exception', () => {
  for (const policy of ['raise', 'return-none', 'return-exception'] as const) {
    it(`under '${policy}' resolves with what finished and outputMap(null) for the rest`, async () => {
      const items = Array.from({ length: 6 }, (_, i) => `budget ${i}`);
      // Each call's worst case is its prompt and a 10-token cap: room for some of the six, not all.
      const results = await runBatchTasks(new Task(agent({ maxTokensPerCall: 10 })), items, { sequential: true, maxTokens: 100, handleExceptions: policy, outputMap: content });
      const finished = results.filter((r) => r !== NO_RESULT);
      expect(finished.length).toBeGreaterThan(0);
      expect(finished.length).toBeLessThan(6);
      expect(results).toEqual(items.map((q, i) => (i < finished.length ? `Simulated reply to: ${q}` : NO_RESULT)));
      expect(results.stopped?.reason).toBe('budget');
      expect(results.stopped?.error).toBeInstanceOf(BudgetExceededError);
      expect(Object.keys(results)).toHaveLength(6);
    });
  }

  it('an item the budget stops between its turns has no result, under raise too', async () => {
    class Looper extends ChatAgent {
      answer(): string {
        return 'keep going';
      }
    }
    const looper = track(new Looper({ name: 'looper', model: 'gpt-4o-mini', baseURL: bench.sim.url, apiKey: 'k', tools: [answerTool], maxTokensPerCall: 10 }));
    // The handler's string goes back; the simulator then answers text. Two turns per item, unless the budget stops it:
    // room for the first turn's worst case, not for the second's (its request is longer).
    const firstTurn = requestTokens({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'one item' }], tools: looper.tools }) + 10;
    const events: EngineEvent<string>[] = [];
    const results = await runBatchTasks(new Task(looper), ['one item'], { maxTokens: firstTurn, outputMap: content, onEvent: (e) => events.push(e) });
    expect(results).toEqual([NO_RESULT]);
    expect(results.stopped?.reason).toBe('budget');
    expect(results.stopped?.error).toBeInstanceOf(BudgetExceededError);
    expect(bench.sim.stats().requests).toBe(1);
    expect(events).toContainEqual({ type: 'item-skipped', index: 0, reason: 'budget' });
    expect(events.at(-1)).toMatchObject({ type: 'finished', status: 'stopped-budget' });
  });
});

describe('a cancel resolves with what finished', () => {
  it('by the controller: done items keep their outputs, the rest get outputMap(null)', async () => {
    const control = new BatchController();
    const items = ['quick 0', 'quick 1', 'hangs 2 [[hang]]', 'hangs 3 [[hang]]', 'never starts 4', 'never starts 5'];
    let doneCount = 0;
    // Two at a time: the quick pair, then the hanging pair holds both slots.
    const run = runBatchTasks(new Task(agent()), items, {
      batchSize: 2,
      control,
      outputMap: content,
      onEvent: (e) => {
        if (e.type === 'item-done') doneCount += 1;
      },
    });
    await vi.waitFor(() => expect(doneCount === 2 && bench.sim.stats().inFlight === 2).toBe(true), { timeout: 30_000, interval: 5 });
    control.cancel();
    const results = await run;
    expect(results).toEqual(['Simulated reply to: quick 0', 'Simulated reply to: quick 1', NO_RESULT, NO_RESULT, NO_RESULT, NO_RESULT]);
    expect(results.stopped?.reason).toBe('cancelled');
    expect(results.stopped?.error).toBeInstanceOf(CancelledError);
  });

  it('by the signal: its reason is the stop error', async () => {
    const controller = new AbortController();
    const run = runBatchTasks(new Task(agent()), ['hangs [[hang]]', 'waits'], { batchSize: 1, signal: controller.signal, handleExceptions: 'return-exception' });
    await vi.waitFor(() => expect(bench.sim.stats().inFlight).toBe(1), { timeout: 30_000, interval: 5 });
    controller.abort(new Error('user stop'));
    const results = await run;
    expect(results).toEqual([null, null]);
    expect(results.stopped).toEqual({ reason: 'cancelled', error: new Error('user stop') });
  });

  it('gives tool handlers the signal, and settles whether a slow handler honours it or not', async () => {
    const entered: string[] = [];
    const seen: AbortSignal[] = [];
    class Slow extends ChatAgent {
      answer(args: unknown, call: ToolCallInfo): Promise<string> {
        entered.push(call.id);
        seen.push(call.signal);
        const { answer } = args as { answer: string };
        if (answer.includes('ignores')) return new Promise<string>(() => undefined);
        return new Promise<string>((_resolve, reject) => call.signal.addEventListener('abort', () => reject(new Error('handler stopped')), { once: true }));
      }
    }
    const slow = track(new Slow({ name: 'slow', model: 'gpt-4o-mini', baseURL: bench.sim.url, apiKey: 'k', tools: [answerTool] }));
    const control = new BatchController();
    const run = runBatchTasks(new Task(slow), ['honours the signal', 'ignores the signal'], { control, outputMap: content });
    await vi.waitFor(() => expect(entered).toHaveLength(2), { timeout: 30_000, interval: 5 });
    expect(seen.every((s) => !s.aborted)).toBe(true);
    control.cancel();
    const results = await run;
    expect(results).toEqual([NO_RESULT, NO_RESULT]);
    expect(seen.every((s) => s.aborted)).toBe(true);
  });
});

describe('stopOnFirstResult', () => {
  it('ends at the first item with a result and cancels the others', async () => {
    const items = ['hangs 0 [[hang]]', 'answers 1', 'hangs 2 [[hang]]', 'hangs 3 [[hang]]'];
    const events: Array<EngineEvent['type']> = [];
    const results = await runBatchTasks(new Task(agent()), items, { stopOnFirstResult: true, outputMap: content, onEvent: (e) => events.push(e.type) });
    expect(results).toEqual([NO_RESULT, 'Simulated reply to: answers 1', NO_RESULT, NO_RESULT]);
    expect(results.stopped).toEqual({ reason: 'first-result' });
    expect(events.at(-1)).toBe('finished');
  });

  it('skips a null result and waits for a real one', async () => {
    const task = new Task(agent({ tools: [answerTool] }), { doneIfTool: true }).returning(answerTool);
    const results = await runBatchTasks(task, ['in text [[text]]', 'with the tool', 'never starts'], { sequential: true, stopOnFirstResult: true });
    expect(results.map((r) => r?.answer ?? null)).toEqual([null, 'Simulated answer: with the tool', null]);
    expect(bench.sim.stats().requests).toBe(2);
  });
});

describe('the turn limit', () => {
  it('returns the last result, marked as a turn-limit stop, with the last tool error', async () => {
    const task = new Task(agent({ tools: [answerTool] }), { doneIfTool: true, turns: 2 });
    const [limited] = await runBatchTasks(task, ['three bad [[badargsx3]]']);
    expect(limited?.endedBy).toBe('turn-limit');
    expect(limited?.turns).toBe(2);
    expect(limited?.toolCall).toBeNull();
    expect(limited?.lastToolError).toMatch(/^the arguments of "answer" are not valid JSON/);
    // The batch's turns option overrides the task's.
    const [enough] = await runBatchTasks(task, ['three bad again [[badargsx3]]'], { turns: 4 });
    expect(enough).toMatchObject({ endedBy: 'tool', turns: 4 });
  });
});

describe('the agent-level batch', () => {
  it('llmResponseBatch: one reply per item, each on its own clone', async () => {
    const base = agent();
    const replies = await llmResponseBatch(base, ['first', 'second', 'third'], { batchSize: 2 });
    expect(replies.map((r) => r?.content)).toEqual(['Simulated reply to: first', 'Simulated reply to: second', 'Simulated reply to: third']);
    expect(replies.every((r) => (r?.promptTokens ?? 0) > 0)).toBe(true);
    expect(base.history).toEqual([]);
  });

  it('runBatchAgentMethod: a subclass method, the output map and the policies', async () => {
    class Shouter extends ChatAgent {
      async shout(context = {}) {
        const reply = await this.llmResponse(context);
        return { ...reply, content: (reply.content ?? '').toUpperCase() };
      }
    }
    const shouter = track(new Shouter({ name: 'shouter', model: 'gpt-4o-mini', baseURL: bench.sim.url, apiKey: 'k' }));
    const results = await runBatchAgentMethod(shouter, 'shout', ['quiet', 'fails [[status:400]]'], {
      handleExceptions: 'return-none',
      outputMap: (r) => r?.content ?? NO_RESULT,
    });
    expect(results).toEqual(['SIMULATED REPLY TO: QUIET', null]);
    await expect(runBatchAgentMethod(shouter, 'llmResponse', ['x'], { outputMap: (r) => r?.content })).resolves.toEqual(['Simulated reply to: x']);
  });
});
