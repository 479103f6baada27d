import { describe, expect, it } from 'vitest';
import type { EventName } from '../../shared/contract.ts';
import { createCoalescer, type RunSnapshot } from './progress.ts';

function harness() {
  let t = 0;
  const timers: { at: number; fn: () => void; id: number }[] = [];
  let nextId = 1;
  const emitted: { at: number; name: EventName; payload: any }[] = [];
  const snap: RunSnapshot = {
    status: 'running',
    totals: { items: 1000, pending: 1000, running: 0, done: 0, failed: 0, skipped: 0, promptTokens: 0, completionTokens: 0, costUsd: 0 },
  };
  const c = createCoalescer({
    emit: (name, payload) => emitted.push({ at: t, name, payload }),
    snapshot: () => snap,
    now: () => t,
    setTimer: (fn, ms) => {
      const id = nextId++;
      timers.push({ at: t + ms, fn, id });
      return id;
    },
    clearTimer: (h) => {
      const i = timers.findIndex((x) => x.id === h);
      if (i >= 0) timers.splice(i, 1);
    },
  });
  function advance(to: number) {
    for (;;) {
      timers.sort((a, b) => a.at - b.at);
      const next = timers[0];
      if (!next || next.at > to) break;
      timers.shift();
      t = next.at;
      next.fn();
    }
    t = to;
  }
  return { c, emitted, snap, advance, setNow: (v: number) => (t = v) };
}

describe('progress coalescer', () => {
  it('emits at most 10 progress events a second however many items finish', () => {
    const h = harness();
    for (let ms = 0; ms < 2000; ms++) {
      h.advance(ms);
      h.c.push('r1', { type: 'item-done', index: ms, output: {}, turns: 1, promptTokens: 1, completionTokens: 1, costUsd: 0, latencyMs: 50, transcript: [] });
      h.snap.totals.done = ms + 1;
      h.snap.totals.pending = 1000 - ms - 1;
    }
    h.advance(2200);
    const progress = h.emitted.filter((e) => e.name === 'run:progress');
    expect(progress.length).toBeLessThanOrEqual(22);
    expect(progress.length).toBeGreaterThanOrEqual(19);
    for (let i = 1; i < progress.length; i++) expect(progress[i].at - progress[i - 1].at).toBeGreaterThanOrEqual(100);
    const indexes = h.emitted.filter((e) => e.name === 'run:items').flatMap((e) => e.payload.indexes);
    expect(indexes).toHaveLength(2000);
    const last = progress[progress.length - 1].payload;
    expect(last.latencyMs === null || last.latencyMs === 50).toBe(true);
    expect(progress[10].payload.itemsPerMinute).toBeGreaterThan(50_000);
  });

  it('flushes pending changes before run:finished', () => {
    const h = harness();
    h.c.push('r1', { type: 'item-failed', index: 3, error: 'x', turns: 1, promptTokens: 0, completionTokens: 0, costUsd: 0, latencyMs: 10, transcript: [] });
    h.c.push('r1', { type: 'finished', status: 'completed' });
    expect(h.emitted.map((e) => e.name)).toEqual(['run:progress', 'run:items', 'run:finished']);
    expect(h.emitted[2].payload).toEqual({ runId: 'r1', status: 'completed', error: null });
  });
});
