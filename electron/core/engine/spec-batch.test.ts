import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { AgentSpecSchema, RunOptionsSchema, type AgentSpecInput, type BatchEvent, type RunOptionsInput } from '../../../shared/domain.ts';
import { startSimulator, type Simulator } from '../simulator/index.ts';
import { startSpecBatch, type SpecBatchItem } from './spec-batch.ts';

let sim: Simulator;
beforeAll(async () => {
  sim = await startSimulator({ latencyMs: 20 });
});
afterAll(async () => {
  await sim.close();
});
beforeEach(async () => {
  sim.setOptions({ latencyMs: 20 });
  // A test that cancelled calls to [[hang]] prompts leaves them closing: start from none in flight.
  await vi.waitFor(() => expect(sim.stats().inFlight).toBe(0), { timeout: 30_000, interval: 5 });
  sim.resetStats();
});

const answerSpec = (extra: Partial<AgentSpecInput> = {}) =>
  AgentSpecSchema.parse({
    name: 'qa',
    model: 'gpt-4o-mini',
    baseURL: sim.url,
    systemMessage: 'Answer with the tool.',
    prompt: '{{question}}',
    tools: [
      {
        name: 'answer',
        description: 'The answer',
        parameters: { type: 'object', properties: { answer: { type: 'string' }, confidence: { type: 'number', minimum: 0, maximum: 1 } }, required: ['answer', 'confidence'] },
      },
    ],
    doneIfTool: true,
    output: { answer: 'answer', confidence: 'confidence', raw: 'content' },
    ...extra,
  });

const opts = (o: RunOptionsInput = {}) => RunOptionsSchema.parse(o);
const rows = (prompts: string[], start = 10, step = 10): SpecBatchItem[] => prompts.map((prompt, i) => ({ index: start + i * step, prompt }));

async function collect(params: Omit<Parameters<typeof startSpecBatch>[0], 'onEvent'>, during?: (h: ReturnType<typeof startSpecBatch>) => void) {
  const events: BatchEvent[] = [];
  const handle = startSpecBatch({ ...params, apiKey: 'sk-test', onEvent: (e) => events.push(e) });
  during?.(handle);
  const finished = await handle.done;
  return { events, finished };
}

describe('startSpecBatch', () => {
  it('runs the spec, maps the output columns and emits the item events in order', async () => {
    const items = rows(['What is 2+2?', 'Capital of France?', 'Largest planet?']);
    const { events, finished } = await collect({ spec: answerSpec(), items, options: opts({ batchSize: 2 }) });
    expect(finished).toEqual({ type: 'finished', status: 'completed' });
    expect(events.at(-1)).toMatchObject({ type: 'finished', status: 'completed' });
    const done = events.filter((e) => e.type === 'item-done') as Array<Extract<BatchEvent, { type: 'item-done' }>>;
    expect(done.map((d) => d.index).sort()).toEqual([10, 20, 30]);
    const first = done.find((d) => d.index === 10)!;
    expect(first.output.answer).toBe('Simulated answer: What is 2+2?');
    expect(typeof first.output.confidence).toBe('number');
    expect(JSON.parse(first.output.raw as string)).toEqual({ answer: first.output.answer, confidence: first.output.confidence });
    expect(first.turns).toBe(1);
    expect(first.promptTokens).toBeGreaterThan(0);
    expect(first.costUsd).toBeGreaterThan(0);
    expect(first.latencyMs).toBeGreaterThan(0);
    expect(first.transcript[0]).toEqual({ role: 'system', content: 'Answer with the tool.' });
    expect(first.transcript[1]).toEqual({ role: 'user', content: 'What is 2+2?' });
    expect(first.transcript[2].toolCalls?.[0].name).toBe('answer');
    // For each item: started, then its calls, then done.
    for (const index of [10, 20, 30]) {
      const kinds = events.filter((e) => 'index' in e && e.index === index).map((e) => e.type);
      expect(kinds).toEqual(['item-started', 'llm-call', 'item-done']);
    }
    const call = events.find((e) => e.type === 'llm-call') as Extract<BatchEvent, { type: 'llm-call' }>;
    expect(Object.keys(call).filter((k) => k !== 'at').sort()).toEqual(['cachedTokens', 'completionTokens', 'costUsd', 'index', 'latencyMs', 'promptTokens', 'status', 'type']);
    const progress = events.filter((e) => e.type === 'progress') as Array<Extract<BatchEvent, { type: 'progress' }>>;
    expect(progress.at(-1)).toMatchObject({ total: 3, done: 3, failed: 0, skipped: 0, running: 0, concurrency: 2 });
    expect(events.at(-2)?.type).toBe('progress');
  });

  it('throttles progress, and sends one at the end', async () => {
    const items = rows(Array.from({ length: 60 }, (_, i) => `progress ${i}`), 0, 1);
    const { events } = await collect({ spec: answerSpec({ tools: undefined, output: undefined, doneIfTool: undefined }), items, options: opts({ batchSize: 4 }) });
    const progress = events.filter((e) => e.type === 'progress');
    // Unthrottled there would be one per item started and one per item done.
    expect(progress.length).toBeLessThan(120);
    expect(progress.at(-1)).toMatchObject({ done: 60 });
    expect(events.at(-2)?.type).toBe('progress');
  });

  it('without an output map: result is the final text, or the tool call as JSON', async () => {
    const text = await collect({ spec: answerSpec({ tools: undefined, output: undefined, doneIfTool: undefined }), items: rows(['plain']), options: opts() });
    expect(text.events.find((e) => e.type === 'item-done')).toMatchObject({ output: { result: 'Simulated reply to: plain' } });
    const tool = await collect({ spec: answerSpec({ output: undefined }), items: rows(['tooled']), options: opts() });
    const done = tool.events.find((e) => e.type === 'item-done') as Extract<BatchEvent, { type: 'item-done' }>;
    expect(JSON.parse(done.output.result as string)).toMatchObject({ answer: 'Simulated answer: tooled' });
  });

  it("under onError 'continue' a failed item is reported and the rest run; a text answer cannot fill tool columns", async () => {
    const items = rows(['fine', 'fails [[status:400]]', 'answers text [[text]]', 'fine too']);
    const { events, finished } = await collect({ spec: answerSpec(), items, options: opts({ onError: 'continue' }) });
    expect(finished.status).toBe('completed');
    const failed = events.filter((e) => e.type === 'item-failed') as Array<Extract<BatchEvent, { type: 'item-failed' }>>;
    expect(failed.map((f) => f.index).sort()).toEqual([20, 30]);
    expect(failed.find((f) => f.index === 20)!.error).toMatch(/HTTP 400/);
    expect(failed.find((f) => f.index === 30)!.error).toMatch(/answered in text without calling a tool/);
    expect(failed.find((f) => f.index === 30)!.transcript.at(-1)).toMatchObject({ role: 'assistant' });
    expect(events.filter((e) => e.type === 'item-done')).toHaveLength(2);
  });

  it("under onError 'stop' the first failure stops the batch", async () => {
    // The others never answer: only the stop ends them.
    const items = rows(['fails [[status:401]]', ...Array.from({ length: 20 }, (_, i) => `waits ${i} [[hang]]`)], 0, 1);
    const { events, finished } = await collect({ spec: answerSpec(), items, options: opts({ onError: 'stop', batchSize: 2 }) });
    expect(finished.status).toBe('stopped-error');
    expect(finished.error).toMatch(/HTTP 401/);
    const skipped = events.filter((e) => e.type === 'item-skipped') as Array<Extract<BatchEvent, { type: 'item-skipped' }>>;
    expect(skipped).toHaveLength(19);
    expect(skipped.every((s) => s.reason === 'error')).toBe(true);
  });

  it('stops on the token budget, skipping the rest', async () => {
    const items = rows(Array.from({ length: 10 }, (_, i) => `budgeted ${i}`), 0, 1);
    const { events, finished } = await collect({ spec: answerSpec(), items, options: opts({ sequential: true, maxTokens: 100 }) });
    expect(finished.status).toBe('stopped-budget');
    expect(finished.error).toMatch(/100 tokens/);
    const skipped = events.filter((e) => e.type === 'item-skipped') as Array<Extract<BatchEvent, { type: 'item-skipped' }>>;
    expect(skipped.length).toBeGreaterThan(0);
    expect(skipped.every((s) => s.reason === 'budget')).toBe(true);
  });

  it('pauses, resumes and cancels', async () => {
    sim.setOptions({ latencyMs: 20 });
    const items = rows(Array.from({ length: 30 }, (_, i) => `controlled ${i}${i >= 6 ? ' [[hang]]' : ''}`), 0, 1);
    const events: BatchEvent[] = [];
    const handle = startSpecBatch({ spec: answerSpec(), items, options: opts({ batchSize: 3 }), apiKey: 'sk-test', onEvent: (e) => events.push(e) });
    const count = (type: BatchEvent['type']) => events.filter((e) => e.type === type).length;
    await vi.waitFor(() => expect(count('item-done')).toBeGreaterThanOrEqual(1), { timeout: 30_000, interval: 5 });
    handle.pause();
    await vi.waitFor(() => expect(count('paused')).toBe(1), { timeout: 30_000, interval: 5 });
    handle.resume();
    // Items 6 and on never answer: wait until three hang, then cancel.
    await vi.waitFor(() => expect(count('item-done') === 6 && sim.stats().inFlight === 3).toBe(true), { timeout: 30_000, interval: 5 });
    handle.cancel();
    const finished = await handle.done;
    expect(finished.status).toBe('cancelled');
    const kinds = events.map((e) => e.type);
    expect(kinds.indexOf('paused')).toBeGreaterThan(0);
    expect(kinds.indexOf('resumed')).toBeGreaterThan(kinds.indexOf('paused'));
    const skipped = events.filter((e) => e.type === 'item-skipped') as Array<Extract<BatchEvent, { type: 'item-skipped' }>>;
    expect(skipped.length).toBeGreaterThan(10);
    expect(skipped.every((s) => s.reason === 'cancelled')).toBe(true);
    expect(count('item-done')).toBe(6);
    expect(count('item-done') + count('item-failed') + skipped.length).toBe(30);
  });

  it('options.turns overrides the spec, and a spec it cannot run ends as stopped-error', async () => {
    const limited = await collect({ spec: answerSpec({ turns: 5 }), items: rows(['bad args [[badargsx3]]']), options: opts({ turns: 1 }) });
    // The row ran out of turns: it fails, with the last validation message.
    expect(limited.events.find((e) => e.type === 'item-failed')).toMatchObject({
      error: expect.stringMatching(/^no answer within 1 turn; the last: the arguments of "answer" are not valid JSON/),
      turns: 1,
    });
    const tool = answerSpec().tools![0];
    // The schema refuses two tools of one name; a spec that got past it still never starts.
    const broken = await collect({ spec: { ...answerSpec(), tools: [tool, tool] }, items: rows(['a', 'b']), options: opts() });
    expect(broken.finished).toMatchObject({ status: 'stopped-error', error: 'two tools are named "answer"' });
    expect(broken.events.filter((e) => e.type === 'item-skipped')).toHaveLength(2);
  });
});
