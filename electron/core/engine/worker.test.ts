import { threadId } from 'node:worker_threads';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { AgentSpecSchema, RunOptionsSchema, type BatchEvent } from '../../../shared/domain.ts';
import { startSimulator, type Simulator } from '../simulator/index.ts';
import { runSpecBatchOnWorker } from './worker-client.ts';

let sim: Simulator;
beforeAll(async () => {
  sim = await startSimulator({ latencyMs: 10 });
});
afterAll(async () => {
  await sim.close();
});
beforeEach(() => {
  sim.setOptions({ latencyMs: 10 });
  sim.resetStats();
});

const spec = () =>
  AgentSpecSchema.parse({
    name: 'worker-qa',
    model: 'gpt-4o-mini',
    baseURL: sim.url,
    systemMessage: 'Answer.',
    prompt: '{{q}}',
    tools: [{ name: 'answer', parameters: { type: 'object', properties: { answer: { type: 'string' } }, required: ['answer'] } }],
    doneIfTool: true,
    output: { answer: 'answer' },
  });

describe('runSpecBatchOnWorker', () => {
  it('runs the batch on another thread and streams its events, in batches, in order', async () => {
    const items = Array.from({ length: 200 }, (_, i) => ({ index: i * 2, prompt: `worker question ${i}` }));
    const handle = runSpecBatchOnWorker({ spec: spec(), items, options: RunOptionsSchema.parse({ batchSize: 16 }), apiKey: 'k' });
    expect(handle.threadId).not.toBe(threadId);
    const events: BatchEvent[] = [];
    for await (const e of handle.events) events.push(e);
    const finished = await handle.done;
    expect(finished).toEqual({ type: 'finished', status: 'completed' });
    expect(events.at(-1)).toEqual(finished);
    const done = events.filter((e) => e.type === 'item-done') as Array<Extract<BatchEvent, { type: 'item-done' }>>;
    expect(done).toHaveLength(200);
    expect(done.find((d) => d.index === 20)!.output).toEqual({ answer: 'Simulated answer: worker question 10' });
    // Each item's events stay in order.
    const seen = new Map<number, string[]>();
    for (const e of events) if ('index' in e) seen.set(e.index, [...(seen.get(e.index) ?? []), e.type]);
    for (const kinds of seen.values()) expect(kinds).toEqual(['item-started', 'llm-call', 'item-done']);
    expect(sim.stats().maxInFlight).toBe(16);
  });

  it('pauses, resumes and cancels through messages', async () => {
    sim.setOptions({ latencyMs: 80 });
    const items = Array.from({ length: 60 }, (_, i) => ({ index: i, prompt: `controlled on a worker ${i}` }));
    const events: BatchEvent[] = [];
    const handle = runSpecBatchOnWorker({ spec: spec(), items, options: RunOptionsSchema.parse({ batchSize: 4 }), apiKey: 'k', onEvent: (e) => events.push(e) });
    await new Promise((r) => setTimeout(r, 300));
    handle.pause();
    // Once the worker says it paused and the calls already in flight are answered, nothing more is sent.
    await vi.waitFor(
      () => {
        expect(events.some((e) => e.type === 'paused')).toBe(true);
        expect(sim.stats().inFlight).toBe(0);
      },
      { timeout: 10_000, interval: 10 },
    );
    const requestsAtPause = sim.stats().requests;
    await new Promise((r) => setTimeout(r, 300));
    expect(sim.stats().requests).toBe(requestsAtPause);
    handle.resume();
    await new Promise((r) => setTimeout(r, 250));
    expect(sim.stats().requests).toBeGreaterThan(requestsAtPause);
    handle.cancel();
    const finished = await handle.done;
    expect(finished.status).toBe('cancelled');
    const kinds = events.map((e) => e.type);
    expect(kinds).toContain('paused');
    expect(kinds).toContain('resumed');
    expect(kinds.at(-1)).toBe('finished');
    const skipped = events.filter((e) => e.type === 'item-skipped') as Array<Extract<BatchEvent, { type: 'item-skipped' }>>;
    expect(skipped.length).toBeGreaterThan(20);
    expect(skipped.every((s) => s.reason === 'cancelled')).toBe(true);
  });

  it('rejects done with a clear error when the worker dies', async () => {
    const items = [{ index: 0, prompt: 'never' }];
    const dead = runSpecBatchOnWorker({
      spec: spec(),
      items,
      options: RunOptionsSchema.parse({}),
      workerUrl: new URL('data:text/javascript,throw new Error("boom")'),
    });
    await expect(dead.done).rejects.toThrow(/the batch worker died: boom/);
    const iterate = async () => {
      for await (const _ of dead.events) void _;
    };
    await expect(iterate()).rejects.toThrow(/boom/);

    sim.setOptions({ latencyMs: 2000 });
    const killed = runSpecBatchOnWorker({ spec: spec(), items, options: RunOptionsSchema.parse({}), apiKey: 'k' });
    await new Promise((r) => setTimeout(r, 200));
    await killed.terminate();
    await expect(killed.done).rejects.toThrow(/terminated/);
  });
});
