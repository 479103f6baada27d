// A batch whose items are still arriving (a run that starts while its file is read): it runs what it
// has, waits for more instead of finishing, keeps one sliding window across the arrivals, and ends
// once the list is closed and everything in it has run.
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { AgentSpecSchema, RunOptionsSchema, type BatchEvent } from '../../../shared/domain.ts';
import { startSimulator, type Simulator } from '../simulator/index.ts';
import type { MoreItems } from './batch-types.ts';
import { startSpecBatch, type SpecBatchItemSource } from './spec-batch.ts';

let sim: Simulator;
beforeAll(async () => {
  sim = await startSimulator({ latencyMs: 20 });
});
afterAll(async () => {
  await sim.close();
});
beforeEach(async () => {
  sim.setOptions({ latencyMs: 20 });
  await vi.waitFor(() => expect(sim.stats().inFlight).toBe(0), { timeout: 30_000, interval: 5 });
  sim.resetStats();
});

const spec = () => AgentSpecSchema.parse({ name: 'qa', model: 'gpt-4o-mini', baseURL: sim.url, prompt: '{{q}}' });

/** A list that grows as the test adds rows, and says so. */
function growingList() {
  const rows: number[] = [];
  const listeners: (() => void)[] = [];
  let open = true;
  const more: MoreItems = {
    get open() {
      return open;
    },
    listen: (f) => void listeners.push(f),
  };
  const source: SpecBatchItemSource = { rows, prompt: (i) => `question ${rows[i]}`, more };
  return {
    source,
    add(from: number, to: number) {
      for (let r = from; r < to; r++) rows.push(r);
      for (const f of listeners) f();
    },
    close() {
      open = false;
      for (const f of listeners) f();
    },
  };
}

function start(source: SpecBatchItemSource, batchSize: number) {
  const events: BatchEvent[] = [];
  const handle = startSpecBatch({ spec: spec(), items: source, options: RunOptionsSchema.parse({ batchSize }), apiKey: 'sk-test', onEvent: (e) => events.push(e) });
  let ended = false;
  void handle.done.then(() => (ended = true));
  const done = () => events.filter((e) => e.type === 'item-done').map((e) => (e as { index: number }).index);
  return { handle, events, done, ended: () => ended };
}

describe('a batch over a list that grows', () => {
  it('runs the rows it has, waits for more, takes them in, and ends only once the list is closed', async () => {
    const list = growingList();
    list.add(0, 3);
    const b = start(list.source, 4);
    await vi.waitFor(() => expect(b.done()).toHaveLength(3), { timeout: 30_000, interval: 5 });
    // Everything it had is done, the list is open: it waits (another turn of the loop changes nothing).
    await new Promise((r) => setImmediate(r));
    expect(b.ended()).toBe(false);
    list.add(3, 10);
    await vi.waitFor(() => expect(b.done()).toHaveLength(10), { timeout: 30_000, interval: 5 });
    expect(b.ended()).toBe(false);
    list.close();
    const finished = await b.handle.done;
    expect(finished).toEqual({ type: 'finished', status: 'completed' });
    expect(b.done().sort((x, y) => x - y)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(sim.stats().requests).toBe(10);
    const last = b.events.filter((e) => e.type === 'progress').at(-1);
    expect(last).toMatchObject({ total: 10, done: 10 });
  });

  it('keeps one window across arrivals: rows added while others run fill it, never past the batch size', async () => {
    sim.setOptions({ latencyMs: 100 });
    const list = growingList();
    list.add(0, 2);
    const b = start(list.source, 4);
    // Two in flight; four more arrive: the window fills to four at once rather than after the two end.
    await vi.waitFor(() => expect(sim.stats().inFlight).toBe(2), { timeout: 30_000, interval: 2 });
    list.add(2, 6);
    await vi.waitFor(() => expect(sim.stats().inFlight).toBe(4), { timeout: 30_000, interval: 2 });
    list.add(6, 40);
    list.close();
    await b.handle.done;
    expect(b.done()).toHaveLength(40);
    expect(sim.stats().maxInFlight).toBe(4);
  });

  it('a cancel while it waits for more ends it at once, cancelled', async () => {
    const list = growingList();
    list.add(0, 2);
    const b = start(list.source, 4);
    await vi.waitFor(() => expect(b.done()).toHaveLength(2), { timeout: 30_000, interval: 5 });
    b.handle.cancel();
    expect(await b.handle.done).toMatchObject({ type: 'finished', status: 'cancelled' });
  });

  it('a list closed with nothing more ends the batch once what it had is done', async () => {
    const list = growingList();
    list.add(0, 5);
    const b = start(list.source, 2);
    list.close();
    expect(await b.handle.done).toEqual({ type: 'finished', status: 'completed' });
    expect(b.done()).toHaveLength(5);
  });
});
