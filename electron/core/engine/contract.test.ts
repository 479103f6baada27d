// The batch contract of langroid's run_batch_tasks, point by point: options checked at the call,
// clones built by the constructor, task generators, input and output maps, closed agents, listeners.
import { describe, expect, it } from 'vitest';
import { AgentClosedError, ChatAgent } from './agent.ts';
import { runBatchTaskGen, runBatchTasks } from './batch.ts';
import { Task, type TaskResult } from './task.ts';
import { answerTool, type AnswerArgs, simulatorForFile } from './testing.ts';
import { done } from './tools.ts';

const bench = simulatorForFile(5);
const { agent } = bench;

describe('options are checked at the call', () => {
  const bad: Array<[string, Record<string, unknown>, RegExp]> = [
    ['batchSize NaN', { batchSize: Number.NaN }, /^batchSize must be a positive integer, got NaN$/],
    ['batchSize 0', { batchSize: 0 }, /^batchSize must be a positive integer, got 0$/],
    ['batchSize -2', { batchSize: -2 }, /^batchSize must be a positive integer, got -2$/],
    ['batchSize 1.5', { batchSize: 1.5 }, /^batchSize must be a positive integer, got 1.5$/],
    ['turns 0', { turns: 0 }, /^turns must be a positive integer or -1/],
    ['turns 2.5', { turns: 2.5 }, /^turns must be a positive integer or -1/],
    ['handleExceptions', { handleExceptions: 'ignore' }, /^handleExceptions must be one of 'raise', 'return-none', 'return-exception', got "ignore"$/],
    ['maxCost negative', { maxCost: -1 }, /^maxCost must be a positive finite number, got -1$/],
    ['maxCost Infinity', { maxCost: Number.POSITIVE_INFINITY }, /^maxCost must be a positive finite number, got Infinity$/],
    ['maxTokens NaN', { maxTokens: Number.NaN }, /^maxTokens must be a positive finite number, got NaN$/],
    ['maxTokens 0', { maxTokens: 0 }, /^maxTokens must be a positive finite number, got 0$/],
  ];
  for (const [what, options, message] of bad) {
    it(`refuses ${what} with a RangeError naming the option`, async () => {
      const error = await runBatchTasks(new Task(agent()), ['a', 'b'], options).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RangeError);
      expect((error as Error).message).toMatch(message);
      expect(bench.sim.stats().requests).toBe(0);
    });
  }

  it('progressIntervalMs throttles progress: one at the first change, one at the end', async () => {
    const kinds: string[] = [];
    await runBatchTasks(new Task(agent()), ['a', 'b', 'c', 'd'], { batchSize: 2, progressIntervalMs: 3_600_000, onEvent: (e) => kinds.push(e.type) });
    expect(kinds.filter((k) => k === 'progress')).toHaveLength(2);
    expect(kinds.slice(0, 2)).toEqual(['item-started', 'progress']);
    expect(kinds.slice(-2)).toEqual(['progress', 'finished']);
  });

  it("checks a task's own turns when it is made", () => {
    expect(() => new Task(agent(), { turns: 0 })).toThrow(new RangeError('turns must be a positive integer or -1 (no limit), got 0'));
    expect(() => new Task(agent(), { turns: Number.NaN })).toThrow(RangeError);
  });

  it('accepts turns -1 (no limit) and an absent batchSize', async () => {
    const results = await runBatchTasks(new Task(agent()), ['x', 'y'], { turns: -1, outputMap: (r) => r?.content });
    expect(results).toEqual(['Simulated reply to: x', 'Simulated reply to: y']);
  });
});

describe('clones are built by the constructor', () => {
  it('clones a subclass with #private fields, each clone with fresh fields of its own', async () => {
    class Secretive extends ChatAgent {
      #calls = 0;
      seen: string[] = [];
      readonly notes = { count: 0 };
      answer(args: unknown) {
        this.#calls += 1;
        this.notes.count += 1;
        this.seen.push((args as AnswerArgs).answer);
        return done(`call ${this.#calls}`);
      }
    }
    const base = new Secretive({ name: 'secretive', model: 'gpt-4o-mini', baseURL: bench.sim.url, apiKey: 'k', tools: [answerTool] });
    bench.track(base);
    const task = new Task(base);
    const clones: Secretive[] = [];
    const results = await runBatchTaskGen(
      (i) => {
        const t = task.clone(i);
        clones.push(t.agent as Secretive);
        return t;
      },
      ['one', 'two', 'three'],
      { outputMap: (r) => r?.content, batchSize: 3 },
    );
    expect(results).toEqual(['call 1', 'call 1', 'call 1']);
    expect(clones).toHaveLength(3);
    for (const [i, c] of clones.entries()) {
      expect(c).toBeInstanceOf(Secretive);
      expect(c.seen).toHaveLength(1);
      expect(c.notes).toEqual({ count: 1 });
      expect(c.seen).not.toBe(base.seen);
      expect(c.notes).not.toBe(base.notes);
      for (const other of clones.slice(i + 1)) {
        expect(c.seen).not.toBe(other.seen);
        expect(c.notes).not.toBe(other.notes);
      }
      expect(c.llm).toBe(base.llm);
      expect(c.tools).toBe(base.tools);
    }
    expect(base.seen).toEqual([]);
    expect(base.notes).toEqual({ count: 0 });
  });

  it('passes what cloneArgs returns to the constructor', () => {
    const shared = { handle: 'db' };
    class WithHandle extends ChatAgent {
      readonly handle: { handle: string };
      constructor(config: ConstructorParameters<typeof ChatAgent>[0], handle: { handle: string }) {
        super(config);
        this.handle = handle;
      }
      protected override cloneArgs(config: ConstructorParameters<typeof ChatAgent>[0]): unknown[] {
        return [config, this.handle];
      }
    }
    const base = new WithHandle({ name: 'h', model: 'm', baseURL: bench.sim.url, apiKey: 'k' }, shared);
    bench.track(base);
    const copy = base.clone(3);
    expect(copy).toBeInstanceOf(WithHandle);
    expect(copy.handle).toBe(shared);
    expect(copy.id).not.toBe(base.id);
    expect(copy.config).toEqual(base.config);
    expect(copy.config).not.toBe(base.config);
  });
});

describe('task generators', () => {
  it('awaits a Promise of a Task, and fails an item whose generator gives anything else', async () => {
    const base = new Task(agent());
    const unhandled: unknown[] = [];
    const onUnhandled = (e: unknown) => unhandled.push(e);
    process.on('unhandledRejection', onUnhandled);
    try {
      const gen = (i: number): Task<TaskResult> | Promise<Task<TaskResult>> => {
        if (i === 1) return Promise.resolve(base.clone(i));
        if (i === 2) return { not: 'a task' } as unknown as Task<TaskResult>;
        if (i === 3) return Promise.reject(new Error('no task for 3'));
        if (i === 4) return Promise.resolve(42) as unknown as Promise<Task<TaskResult>>;
        return base.clone(i);
      };
      const results = await runBatchTaskGen(gen, ['zero', 'one', 'two', 'three', 'four'], {
        handleExceptions: 'return-exception',
        outputMap: (r) => r?.content,
      });
      expect(results.slice(0, 2)).toEqual(['Simulated reply to: zero', 'Simulated reply to: one']);
      expect(results[2]).toBeInstanceOf(TypeError);
      expect((results[2] as Error).message).toBe('the task generator returned an object for item 2, not a Task');
      expect((results[3] as Error).message).toBe('no task for 3');
      expect((results[4] as Error).message).toBe('the task generator returned a number for item 4, not a Task');
      await expect(runBatchTaskGen(gen, ['a', 'b', 'c'], { sequential: true })).rejects.toThrow(/returned an object for item 2/);
      // Let any stray rejection reach the process before looking.
      await new Promise<void>((resolve) => setImmediate(resolve));
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
    expect(unhandled).toEqual([]);
  });
});

describe('input and output maps', () => {
  it('fails an item whose inputMap gives a non-string with a TypeError naming its index', async () => {
    const items = [{ q: 'fine' }, { q: 7 }];
    const results = await runBatchTasks(new Task(agent()), items, {
      handleExceptions: 'return-exception',
      inputMap: (item) => item.q as unknown as string,
      outputMap: (r) => r?.content,
    });
    expect(results[0]).toBe('Simulated reply to: fine');
    expect(results[1]).toBeInstanceOf(TypeError);
    expect((results[1] as Error).message).toBe('inputMap returned a number for item 1, not a string');
    expect(bench.sim.stats().requests).toBe(1);
  });

  it("calls outputMap with null for an item without a result: the seed's `r.x if r else 'FAILED'` ports as written", async () => {
    const task = new Task(agent({ tools: [answerTool], maxTokensPerCall: 50 }), { doneIfTool: true }).returning(answerTool);
    const outputMap = (r: AnswerArgs | null) => (r ? r.answer : 'ANALYSIS_FAILED');
    // A text answer: the task's result is null.
    expect(await runBatchTasks(task, ['Capital of France?', 'in text [[text]]'], { outputMap })).toEqual(['Simulated answer: Capital of France?', 'ANALYSIS_FAILED']);
    // Stopped by the budget before it started: no result either.
    // The second prompt alone is over the budget: it can never fit, so it never starts.
    const results = await runBatchTasks(task, ['Largest planet?', `skipped by the budget ${'word '.repeat(2000)}`], { sequential: true, maxTokens: 1000, outputMap });
    expect(results).toEqual(['Simulated answer: Largest planet?', 'ANALYSIS_FAILED']);
    expect(results.stopped?.reason).toBe('budget');
  });
});

describe('a closed agent', () => {
  it('fails the batch at once, without a request or a retry', async () => {
    const a = agent();
    await a.close();
    const task = new Task(a);
    await expect(runBatchTasks(task, ['a', 'b'])).rejects.toBeInstanceOf(AgentClosedError);
    await expect(runBatchTasks(task, ['a'])).rejects.toThrow('the agent "tester" is closed');
    const viaGen = await runBatchTaskGen((i) => task.clone(i), ['a', 'b'], { handleExceptions: 'return-exception' });
    expect(viaGen.every((r) => r instanceof AgentClosedError)).toBe(true);
    expect(bench.sim.stats().requests).toBe(0);
  });
});

describe('a throwing onEvent', () => {
  for (const policy of ['raise', 'return-none', 'return-exception'] as const) {
    it(`fails the batch under '${policy}'`, async () => {
      const run = runBatchTasks(new Task(agent()), ['a', 'b', 'c'], {
        handleExceptions: policy,
        sequential: true,
        onEvent: (e) => {
          if (e.type === 'item-done') throw new Error('listener broke');
        },
      });
      await expect(run).rejects.toThrow("the event listener threw on 'item-done': listener broke");
    });
  }

  it('fails the batch even when it throws on the last event', async () => {
    const run = runBatchTasks(new Task(agent()), ['a'], {
      handleExceptions: 'return-none',
      onEvent: (e) => {
        if (e.type === 'finished') throw new Error('too late');
      },
    });
    await expect(run).rejects.toThrow("the event listener threw on 'finished': too late");
  });
});
